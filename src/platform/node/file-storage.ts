import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Storage } from '../../io/contracts.js';

/**
 * The Storage contract over one JSON file of string values (the device uses its key-value flash instead). Written
 * whole on every change, through a temporary file and a rename, so a crash never leaves half a file.
 */
export class JsonFileStorage implements Storage {
  private readonly values: Record<string, string>;

  constructor(readonly path: string) {
    this.values = {};
    let text: string | undefined;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new Error(
          `settings file ${path} is not valid JSON (${(error as Error).message}); fix or delete it`,
        );
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(`settings file ${path} must hold a JSON object; fix or delete it`);
      }
      for (const [key, value] of Object.entries(parsed)) this.values[key] = String(value);
    }
  }

  read(key: string): string | undefined {
    return this.values[key];
  }

  write(key: string, value: string): void {
    this.values[key] = value;
    this.save();
  }

  delete(key: string): void {
    delete this.values[key];
    this.save();
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.values, null, 2)}\n`);
    renameSync(temporary, this.path);
  }
}
