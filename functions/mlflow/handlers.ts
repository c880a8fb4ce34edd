import { artifactOperations } from './artifact-operations.ts';
import { experimentOperations } from './experiment-operations.ts';
import { loggedModelOperations } from './logged-model-operations.ts';
import { registryOperations } from './registry-operations.ts';
import { runOperations } from './run-operations.ts';

/**
 * MLflow's REST API (`/api/2.0/mlflow/...`, `/api/2.0/mlflow-artifacts/...`) as an adapter: each operation undoes MLflow's wire
 * format, calls the same domain functions as `/api/v1`, and renders MLflow's shapes. There is no
 * second store and no second copy of search or validation.
 */
export const operations = {
  ...experimentOperations,
  ...runOperations,
  ...loggedModelOperations,
  ...artifactOperations,
  ...registryOperations,
};
