#!/usr/bin/env node
// The airboot command. The TypeScript sources build to dist/ (npm run build).
import { run } from '../dist/src/cli/main.js';

await run();
