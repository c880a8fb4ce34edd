import { existsSync } from 'node:fs';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { webExport } from './paths.ts';
import { settingsFromContext } from './settings.ts';
import { CairnStack } from './stack.ts';

/** Used when neither the CDK CLI nor the environment names a region, so synth never needs AWS. */
export const fallbackRegion = 'us-east-1';

/** cdk-nag's AWS Solutions rules run at every synth; an unacknowledged finding fails it. */
export function addChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

/**
 * The Cairn app as `cdk synth` and `cdk deploy` build it: settings from `cairn:*` context, the
 * dashboard export when it has been built, and the account and region the CLI resolved (none are
 * needed to synthesize).
 */
export function cairnApp(app: App): CairnStack {
  addChecks(app);
  const lookup = (key: string) => app.node.tryGetContext(key);
  const settings = settingsFromContext(lookup, existsSync(webExport) ? webExport : undefined);
  const stackName = (lookup('cairn:stackName') as string | undefined) || 'Cairn';
  return new CairnStack(app, stackName, {
    settings,
    description: 'Cairn: ML experiment tracking, model registry and data versioning',
    env: {
      account: process.env.CDK_DEFAULT_ACCOUNT,
      region: process.env.CDK_DEFAULT_REGION ?? process.env.AWS_REGION ?? fallbackRegion,
    },
  });
}
