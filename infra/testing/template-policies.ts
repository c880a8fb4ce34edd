/**
 * Test support: the IAM policies of a synthesized Cairn template, with CloudFormation's intrinsics
 * resolved to concrete ARNs in a fixed fake account and region, ready for an offline IAM policy
 * simulator. Physical names are the logical ids (bucket names lower-cased, as S3 requires), which
 * is all a policy needs: every reference is by the same name on both sides.
 */

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON of every shape, walked node by node
type Json = any;

export interface TemplateEnvironment {
  account: string;
  region: string;
}

const pseudoParameters = (env: TemplateEnvironment): Record<string, string> => ({
  'AWS::Partition': 'aws',
  'AWS::Region': env.region,
  'AWS::AccountId': env.account,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'Cairn',
});

/**
 * The physical name (`Ref`), ARN (`GetAtt …Arn`) and, for a table, stream ARN (`GetAtt
 * …StreamArn`) of each resource type a Cairn policy names.
 */
function physical(
  type: string,
  id: string,
  env: TemplateEnvironment,
): { ref: string; arn?: string; streamArn?: string } {
  const { account, region } = env;
  switch (type) {
    case 'AWS::DynamoDB::Table': {
      const arn = `arn:aws:dynamodb:${region}:${account}:table/${id}`;
      return { ref: id, arn, streamArn: `${arn}/stream/2026-01-01T00:00:00.000` };
    }
    case 'AWS::S3::Bucket': {
      const name = id.toLowerCase();
      return { ref: name, arn: `arn:aws:s3:::${name}` };
    }
    case 'AWS::IAM::Role':
      return { ref: id, arn: `arn:aws:iam::${account}:role/${id}` };
    case 'AWS::SQS::Queue':
      return {
        ref: `https://sqs.${region}.amazonaws.com/${account}/${id}`,
        arn: `arn:aws:sqs:${region}:${account}:${id}`,
      };
    case 'AWS::Events::EventBus':
      return { ref: id, arn: `arn:aws:events:${region}:${account}:event-bus/${id}` };
    case 'AWS::SecretsManager::Secret': {
      const arn = `arn:aws:secretsmanager:${region}:${account}:secret:${id}-AbCdEf`;
      return { ref: arn, arn };
    }
    case 'AWS::Logs::LogGroup':
      return { ref: id, arn: `arn:aws:logs:${region}:${account}:log-group:${id}:*` };
    case 'AWS::Lambda::Function':
      return { ref: id, arn: `arn:aws:lambda:${region}:${account}:function:${id}` };
    default:
      return { ref: id };
  }
}

/**
 * Resolves `Ref`, `Fn::GetAtt` (`Arn`), `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split` in a
 * policy document. Anything else throws: a policy the resolver cannot read must not be simulated
 * as something it is not.
 */
export function resolveIntrinsics(value: Json, template: Json, env: TemplateEnvironment): Json {
  const resources: Record<string, Json> = template.Resources ?? {};
  const pseudo = pseudoParameters(env);
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name]!;
    const resource = resources[name];
    if (!resource) throw new Error(`Ref to ${name}, which is not in the template`);
    return physical(resource.Type, name, env).ref;
  };
  const getAtt = (name: string, attribute: string): string => {
    const resource = resources[name];
    if (!resource) throw new Error(`GetAtt of ${name}, which is not in the template`);
    const { arn, streamArn } = physical(resource.Type, name, env);
    const value = attribute === 'Arn' ? arn : attribute === 'StreamArn' ? streamArn : undefined;
    if (!value) throw new Error(`GetAtt ${name}.${attribute} (${resource.Type}) is not known`);
    return value;
  };
  const walk = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) {
      const [fn] = keys as [string];
      const args = node[fn];
      switch (fn) {
        case 'Ref':
          return ref(args);
        case 'Fn::GetAtt': {
          const [name, attribute] = Array.isArray(args) ? args : String(args).split('.');
          return getAtt(name, attribute);
        }
        case 'Fn::Join': {
          const [delimiter, items] = args as [string, Json[]];
          return items.map((item) => String(walk(item))).join(delimiter);
        }
        case 'Fn::Sub': {
          const [text, variables] = Array.isArray(args) ? args : [args, {}];
          return String(text).replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            if (name in variables) return String(walk(variables[name]));
            const [resource, attribute] = name.split('.');
            return attribute ? getAtt(resource!, attribute) : ref(resource!);
          });
        }
        case 'Fn::Select': {
          const [index, list] = args as [number, Json];
          return (walk(list) as Json[])[Number(index)];
        }
        case 'Fn::Split': {
          const [delimiter, text] = args as [string, Json];
          return String(walk(text)).split(delimiter);
        }
        default:
          throw new Error(`${fn} is not resolved for simulation`);
      }
    }
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
  };
  return walk(value);
}

export interface RolePolicies {
  /** The role's ARN, as other policies name it. */
  arn: string;
  /** Identity policies: inline on the role and every `AWS::IAM::Policy` attached to it. */
  identity: { name: string; policy: Json }[];
  /** The trust policy: who may assume the role, on which conditions. */
  trust: Json;
}

/** Every role of the template with its resolved policies, by logical id. */
export function rolePolicies(template: Json, env: TemplateEnvironment): Map<string, RolePolicies> {
  const resources: Record<string, Json> = template.Resources ?? {};
  const roles = new Map<string, RolePolicies>();
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const props = resource.Properties ?? {};
    if (props.ManagedPolicyArns?.length) {
      // A managed policy's content is not in the template: simulating without it would understate.
      roles.set(id, {
        arn: physical(resource.Type, id, env).arn!,
        identity: [{ name: 'managed', policy: { unresolvedManagedPolicies: props.ManagedPolicyArns } }],
        trust: resolveIntrinsics(props.AssumeRolePolicyDocument, template, env),
      });
      continue;
    }
    roles.set(id, {
      arn: physical(resource.Type, id, env).arn!,
      identity: (props.Policies ?? []).map((policy: Json) => ({
        name: policy.PolicyName,
        policy: resolveIntrinsics(policy.PolicyDocument, template, env),
      })),
      trust: resolveIntrinsics(props.AssumeRolePolicyDocument, template, env),
    });
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    for (const role of resource.Properties.Roles ?? []) {
      const owner = roles.get(role.Ref);
      if (!owner)
        throw new Error(`Policy ${id} is attached to ${JSON.stringify(role)}, not a role of this template`);
      owner.identity.push({
        name: id,
        policy: resolveIntrinsics(resource.Properties.PolicyDocument, template, env),
      });
    }
  }
  return roles;
}

/** The resolved bucket policy of a bucket, if it has one. */
export function bucketPolicy(template: Json, bucketId: string, env: TemplateEnvironment): Json | undefined {
  for (const resource of Object.values<Json>(template.Resources ?? {})) {
    if (resource.Type === 'AWS::S3::BucketPolicy' && resource.Properties.Bucket?.Ref === bucketId)
      return resolveIntrinsics(resource.Properties.PolicyDocument, template, env);
  }
  return undefined;
}

/** A resource's physical name and ARN (and a table's stream ARN), as the resolved policies spell them. */
export function resourceNames(
  template: Json,
  id: string,
  env: TemplateEnvironment,
): { ref: string; arn: string; streamArn?: string | undefined } {
  const resource = template.Resources?.[id];
  if (!resource) throw new Error(`${id} is not in the template`);
  const { ref, arn, streamArn } = physical(resource.Type, id, env);
  if (!arn) throw new Error(`${id} (${resource.Type}) has no known ARN`);
  return { ref, arn, streamArn };
}
