import type { Operations } from '#http/operation.ts';
import { operations as experiments } from './experiments/handlers.ts';
import type { Domain } from './routes.ts';
import { operations as runs } from './runs/handlers.ts';
import { operations as system } from './system/handlers.ts';
import { operations as tenants } from './tenants/handlers.ts';

/**
 * Every domain's operations, for what must see all of them at once: the OpenAPI document, the
 * local gateway and the drift test. Each Lambda imports only its own domain.
 */
export const operationsByDomain: Record<Domain, Operations> = { system, tenants, experiments, runs };
