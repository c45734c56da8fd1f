// How the init_config schema is compiled (at build time: scripts/config-validator.ts).
import type { Options } from 'ajv';

// strict: a schema mistake fails the build instead of being logged to stderr at run time, which would not
// be a well-formed log line.
export const AJV_OPTIONS: Options = { allErrors: true, useDefaults: true, strict: true, logger: false };
