import path from 'node:path';
import type { DestinationType } from '../destination.js';
import {
  type FileAccount,
  type FileSyncOptions,
  fileAccountSchema,
  fileSyncSchema,
} from './file-config.js';
import { FileDestination } from './file-destination.js';

export const fileDestinationType: DestinationType<FileAccount, FileSyncOptions> = {
  type: 'file',
  accountSchema: fileAccountSchema,
  syncSchema: fileSyncSchema,
  accountKey: (account) => `file:${path.normalize(account.directory)}`,
  async open(account, options, context) {
    return new FileDestination(account, options, context);
  },
};
