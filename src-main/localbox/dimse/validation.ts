/** The AE title and port rules shared by SCPs and SCUs (BEHAVIOR.md §16, §17), with Slicebox's exact messages. */
import { InvalidArgument } from '../system/errors.js';

export function validateAeTitleAndPort(aeTitle: string, port: number): void {
  const trimmed = aeTitle.trim();
  if (trimmed.length === 0) throw new InvalidArgument('Ae title must not be empty');
  // "epaces" is Slicebox's spelling; clients may match the text.
  if (trimmed.length > 16)
    throw new InvalidArgument(
      'Ae title must not exceed 16 characters, excluding leading and trailing epaces.',
    );
  if (port < 0 || port > 65535)
    throw new InvalidArgument('Port must be a value between 0 and 65535');
}
