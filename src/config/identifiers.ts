import { z } from 'zod';

/**
 * Names taken from config that end up in SQL (models, schemas, columns, syncs). They are always
 * quoted with escaping as well; this check keeps them portable across warehouses and readable.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const identifierSchema = z
  .string()
  .regex(
    IDENTIFIER_PATTERN,
    'must start with a letter or underscore and contain only letters, digits and underscores (at most 128)',
  );

/** Column names in a model's result may contain any character; they are quoted, never inlined. */
export const columnNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters');
