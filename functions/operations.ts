import type { Operations } from '#http/operation.ts';
import { operations as artifacts } from './artifacts/handlers.ts';
import { operations as datasets } from './datasets/handlers.ts';
import { operations as events } from './events/handlers.ts';
import { operations as experiments } from './experiments/handlers.ts';
import { operations as mlflow } from './mlflow/handlers.ts';
import { operations as models } from './models/handlers.ts';
import type { Domain } from './routes.ts';
import { operations as runs } from './runs/handlers.ts';
import { operations as system } from './system/handlers.ts';
import { operations as tenants } from './tenants/handlers.ts';

/**
 * Every domain's operations, for what must see all of them at once: the OpenAPI document, the
 * local gateway and the drift test. Each Lambda imports only its own domain.
 */
export const operationsByDomain: Record<Domain, Operations> = {
  system,
  tenants,
  experiments,
  runs,
  artifacts,
  datasets,
  models,
  events,
  mlflow,
};
