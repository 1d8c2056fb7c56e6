import { ApiServer } from './api-server';

// Entry point of the reference API process and image: configured by env, stops gracefully on SIGTERM.
function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    console.error(`reference-api: ${name} must be set (HOST, PORT, SERVER_NAME, VERSION, DATABASE_URL)`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? '8080');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`reference-api: PORT must be an integer from 0 to 65535, got ${JSON.stringify(process.env.PORT)}`);
    process.exit(2);
  }
  const server = new ApiServer({
    host: process.env.HOST ?? '0.0.0.0',
    port,
    serverName: requireEnv('SERVER_NAME'),
    version: process.env.VERSION ?? 'dev',
    databaseUrl: requireEnv('DATABASE_URL'),
  });
  const bound = await server.listen();
  console.log(`reference-api ${process.env.SERVER_NAME} ${process.env.VERSION ?? 'dev'} listening on ${process.env.HOST ?? '0.0.0.0'}:${bound}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      console.log(`reference-api: ${signal}, finishing in-flight requests`);
      server.close().then(() => process.exit(0), (err) => {
        console.error('reference-api: shutdown failed', err);
        process.exit(1);
      });
    });
  }
}

main().catch((err) => {
  console.error('reference-api: failed to start:', err);
  process.exit(1);
});
