import { SluiceError } from '../core/errors.js';

/**
 * The identity graph could not be built: a guard tripped (profile too large), the components
 * did not converge within the allowed passes, or the warehouse cannot run the engine.
 * `code` is `identity_failed`.
 */
export class IdentityError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('identity_failed', message, options);
  }
}
