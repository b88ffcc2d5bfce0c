/** The producers or consumers a log handed out and that are not closed yet, so that its close() closes them. */
export interface OpenClients {
  /** adds the client; its close() also removes it */
  track<T extends { close(): Promise<void> }>(client: T): T;
  closeAll(): Promise<void>;
}

export function openClients(): OpenClients {
  const open = new Set<{ close(): Promise<void> }>();
  return {
    track(client) {
      open.add(client);
      const close = client.close.bind(client);
      return Object.assign(client, {
        close: async () => {
          open.delete(client);
          await close();
        },
      });
    },
    async closeAll() {
      await Promise.all([...open].map((client) => client.close()));
    },
  };
}
