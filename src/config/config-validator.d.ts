// The init_config validator that scripts/config-validator.ts generates at build time (ajv standalone).
import type { ValidateFunction } from 'ajv';

declare const validate: ValidateFunction;
export = validate;
