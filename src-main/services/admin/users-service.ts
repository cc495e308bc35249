/**
 * The server's users (Slicebox's Admin → Users, WEB-UI §1.2; BEHAVIOR §8): pages with the `count + 1`
 * look-ahead, without the password hashes the server sends along; adding (admin) with a name already taken
 * refused in words (the server would answer the existing user unchanged, silently ignoring the password and
 * role given); deleting (admin; the server refuses the superuser in its own words). Passwords are passed
 * through to the server only: never logged, kept or answered.
 */
import type { Page, PageRequest, UserItem } from '../../../src-preload/contract.js';
import type { UserInfo } from '../../slicebox/types.js';
import type { ActionConnections } from '../actions/action-service.js';
import { ServiceError } from '../service-error.js';

/** How many users are read at once when looking for a name. */
const SCAN = 1000;

export function toUserItem(u: UserInfo): UserItem {
  return { id: u.id, name: u.user, role: u.role };
}

export class UsersService {
  constructor(private readonly connections: ActionConnections) {}

  async page(request: PageRequest): Promise<Page<UserItem>> {
    const rows = await this.connections.client(request.connectionId).users({
      startindex: request.startIndex,
      count: request.count + 1,
    });
    return {
      items: rows.slice(0, request.count).map(toUserItem),
      startIndex: request.startIndex,
      hasMore: rows.length > request.count,
    };
  }

  async add(
    connectionId: string,
    user: { user: string; password: string; role: 'USER' | 'ADMINISTRATOR' },
  ): Promise<UserItem> {
    const client = this.connections.client(connectionId);
    const name = user.user.trim();
    for (let start = 0; ; start += SCAN) {
      const rows = await client.users({ startindex: start, count: SCAN });
      if (rows.some((u) => u.user === name)) {
        throw new ServiceError('invalid-arguments', `A user named "${name}" already exists.`);
      }
      if (rows.length < SCAN) break;
    }
    const created = await client.addUser({ user: name, password: user.password, role: user.role });
    return toUserItem(created);
  }

  async remove(connectionId: string, userId: number): Promise<void> {
    await this.connections.client(connectionId).removeUser(userId);
  }
}
