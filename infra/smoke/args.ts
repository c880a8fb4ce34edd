export interface SmokeOptions {
  /** The CloudFormation stack to test (`cairn:stackName`, default `Cairn`). */
  stack: string;
  region: string;
  /** Leave the smoke tenants in place (for a look, or on a large table where teardown scans). */
  keep: boolean;
  /** Print the plan and stop. */
  planOnly: boolean;
}

export const smokeUsage = `Usage: npm run smoke -- --stack <name> [--region <region>] [--keep] [--plan]

Runs the first-deploy smoke test against a deployed Cairn stack with your AWS credentials:
it creates two throw-away tenants, checks what only AWS can show, and removes them again.
  --stack <name>     the stack name (cairn:stackName; "Cairn" unless you chose another)
  --region <region>  the stack's region (default: AWS_REGION or AWS_DEFAULT_REGION)
  --keep             do not remove the smoke tenants afterwards
  --plan             print what each step checks, and exit`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parses the command line; throws `UsageError` with what is wrong. */
export function parseSmokeArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): SmokeOptions {
  let stack: string | undefined;
  let region = env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined;
  let keep = false;
  let planOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => {
      const next = inline ?? argv[++i];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--stack':
        stack = value();
        break;
      case '--region':
        region = value();
        break;
      case '--keep':
        keep = true;
        break;
      case '--plan':
        planOnly = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`Unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (planOnly) return { stack: stack ?? '', region: region ?? '', keep, planOnly };
  if (!stack) throw new UsageError('--stack is required');
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack))
    throw new UsageError(`${JSON.stringify(stack)} is not a stack name`);
  if (!region) throw new UsageError('No region: pass --region or set AWS_REGION');
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))
    throw new UsageError(`${JSON.stringify(region)} is not an AWS region`);
  return { stack, region, keep, planOnly };
}
