import { z } from 'zod';

const emailSchema = z
  .email({ error: 'must be an e-mail address such as ada@example.com' })
  .max(254)
  .transform((email) => email.toLowerCase());

const passwordSchema = z
  .string()
  .min(10, { error: 'must have at least 10 characters' })
  .max(256, { error: 'must have at most 256 characters' });

export const signUpBodySchema = z.object({
  email: emailSchema.describe('sign-in e-mail (stored lower case)'),
  password: passwordSchema.describe('10 to 256 characters'),
  displayName: z.string().trim().min(1).max(80).optional().describe('name shown in the dashboard'),
});

export const signInBodySchema = z.object({
  email: emailSchema,
  password: z.string().min(1).max(256),
});

export const passwordResetBodySchema = z.object({
  email: emailSchema.describe('where the reset link goes (the answer is the same whether an account exists)'),
});

export const passwordResetConfirmBodySchema = z.object({
  token: z.string().min(1).max(4096).describe('the token of the reset link'),
  password: passwordSchema.describe('the new password'),
});

export const signInSessionSchema = z.object({
  token: z.string().describe('session token: send as Authorization: Bearer <token>'),
  expiresAt: z.number().describe('ms since epoch'),
  owner: z.string().describe('user id'),
});

export const acceptedSchema = z.object({ accepted: z.literal(true) });
