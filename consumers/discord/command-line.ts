import type { APIApplicationCommandOption } from 'discord.js';
import { NexuralError } from '../../schemas/errors.js';
import type { CommandRequest, OptionValue } from './bot-types.js';
import { commandDefinitions } from './commands/definitions.js';

const SUBCOMMAND = 1;
const INTEGER = 4;
const NUMBER = 10;
const BOOLEAN = 5;

/**
 * `/price BTCUSDT`, `/bars BTCUSDT 5m 20`, `/alerts add BTCUSDT price crossing_up 65000`, `/chart symbol:ETHUSDT
 * indicators:sma(20)` → a command request: words fill the options in their declared order (the last string
 * option takes the rest of the line), `name:value` sets one by name.
 */
export function parseCommandLine(line: string, user: CommandRequest['user']): CommandRequest {
  const words = line
    .trim()
    .replace(/^\//, '')
    .split(/\s+/)
    .filter((word) => word.length > 0);
  const [name, ...rest] = words;
  const definition = commandDefinitions.find((command) => command.name === name);
  if (!name || !definition) {
    throw new NexuralError(
      'NXR_BAD_VALUE',
      `unknown command "/${name ?? ''}"; known: ${commandDefinitions.map((c) => `/${c.name}`).join(' ')}`,
    );
  }
  let declared: readonly APIApplicationCommandOption[] = definition.options ?? [];
  let subcommand: string | null = null;
  if (declared.some((option) => option.type === SUBCOMMAND)) {
    const sub = declared.find((option) => option.name === rest[0]);
    if (!sub || sub.type !== SUBCOMMAND) {
      throw new NexuralError(
        'NXR_BAD_VALUE',
        `/${name} needs one of: ${declared.map((o) => o.name).join(', ')}`,
      );
    }
    subcommand = sub.name;
    declared = sub.options ?? [];
    rest.shift();
  }
  const options: Record<string, OptionValue> = {};
  const positional: string[] = [];
  for (const word of rest) {
    const named = word.match(/^([a-z_]+):(.*)$/);
    if (named?.[1] && declared.some((option) => option.name === named[1])) options[named[1]] = named[2] ?? '';
    else positional.push(word);
  }
  const free = declared.filter((option) => !(option.name in options));
  let lastString: string | null = null;
  for (const option of free) {
    const word = positional.shift();
    if (word === undefined) break;
    options[option.name] = word;
    if (option.type === 3) lastString = option.name;
  }
  if (positional.length > 0) {
    if (lastString === null)
      throw new NexuralError('NXR_BAD_VALUE', `/${name}: too many words: ${positional.join(' ')}`);
    options[lastString] = [options[lastString], ...positional].join(' ');
  }
  for (const option of declared) {
    const value = options[option.name];
    if (value === undefined) {
      if ('required' in option && option.required)
        throw new NexuralError('NXR_BAD_VALUE', `/${name}: option "${option.name}" is required`);
      continue;
    }
    if (option.type === INTEGER || option.type === NUMBER) {
      const number = Number(value);
      if (!Number.isFinite(number))
        throw new NexuralError(
          'NXR_BAD_VALUE',
          `/${name}: "${option.name}" must be a number, got "${value}"`,
        );
      options[option.name] = option.type === INTEGER ? Math.trunc(number) : number;
    } else if (option.type === BOOLEAN) options[option.name] = value === 'true';
  }
  return { name, subcommand, options, user, guildId: null, channelId: 'cli' };
}
