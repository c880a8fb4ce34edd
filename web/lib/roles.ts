import type { Role } from './api/types';

const rank: Record<Role, number> = { reader: 1, writer: 2, admin: 3 };

/** Mirrors the API's rule (a higher role may do what a lower one may), to hide what would fail. */
export function roleAllows(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}
