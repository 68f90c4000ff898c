/** Thrown at cold start when the function's configuration is incomplete: the message names the variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is required`);
  }
  return value;
}

/** Parses a JSON environment variable; a malformed value is a configuration error naming the variable. */
export function jsonEnv(name: string, fallback: unknown): unknown {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    throw new ConfigurationError(`environment variable ${name} is not valid JSON`, { cause });
  }
}
