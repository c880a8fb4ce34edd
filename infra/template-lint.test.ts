// cfn-lint and checkov (from PyPI, in .venv/tools) over the templates `cdk synth` produces: the
// default stack and one with every option set. A finding fails the suite unless it is accepted, with
// its reason, in infra/template-findings.ts; an accepted finding that no longer occurs fails too, so
// the list cannot rot.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addChecks } from './cairn-app.ts';
import { repoRoot } from './paths.ts';
import { defaultSettings, type Settings } from './settings.ts';
import { CairnStack } from './stack.ts';
import { type AcceptedFinding, acceptedFindings } from './template-findings.ts';

type Json = any;

const tools = join(repoRoot, '.venv', 'tools', 'bin');
const cfnLint = join(tools, 'cfn-lint');
const checkov = join(tools, 'checkov');
const env = { account: '111111111111', region: 'eu-west-1' };

interface Finding {
  tool: AcceptedFinding['tool'];
  rule: string;
  template: string;
  logicalId: string;
  type: string;
  message: string;
}

let dir: string;
let templates: Record<string, Json>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-lint-'));
  const web = join(dir, 'web-out');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<!doctype html><head><title>Cairn</title></head>');
  const cdkContext = JSON.parse(readFileSync(join(repoRoot, 'cdk.json'), 'utf8')).context;
  // The template, not the bundles, is what the linters read: bundling is skipped.
  const app = new App({
    context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] },
    outdir: join(dir, 'assembly'),
  });
  addChecks(app);
  const everything: Settings = {
    ...defaultSettings,
    ephemeral: true,
    alarmEmail: 'ops@example.com',
    corsOrigins: ['http://localhost:3000'],
    reservedConcurrency: { runs: 5 },
    apiDomain: {
      name: 'api.ml.example.com',
      certificateArn: `arn:aws:acm:${env.region}:${env.account}:certificate/abc`,
    },
    webDomain: {
      name: 'ml.example.com',
      certificateArn: `arn:aws:acm:us-east-1:${env.account}:certificate/def`,
    },
    webAssets: web,
  };
  const stacks = [
    new CairnStack(app, 'Cairn', { settings: { ...defaultSettings, webAssets: web }, env }),
    new CairnStack(app, 'CairnEverything', { settings: everything, env }),
  ];
  const assembly = app.synth();
  mkdirSync(join(dir, 'templates'));
  templates = {};
  for (const stack of stacks) {
    const template = assembly.getStackByName(stack.stackName).template;
    templates[`${stack.stackName}.template.json`] = template;
    writeFileSync(
      join(dir, 'templates', `${stack.stackName}.template.json`),
      JSON.stringify(template, null, 1),
    );
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

const typeOf = (template: string, logicalId: string): string =>
  templates[template]?.Resources?.[logicalId]?.Type ?? '(not a resource)';

async function cfnLintFindings(): Promise<Finding[]> {
  const files = Object.keys(templates).map((name) => join(dir, 'templates', name));
  // Exit codes 2, 4, 6, 8 mean findings (errors, warnings, …); anything else non-zero is a crash.
  const { code, stdout, stderr } = await run(cfnLint, [
    '--format',
    'json',
    '--regions',
    env.region,
    '--',
    ...files,
  ]);
  if (code !== 0 && (code === null || code % 2 !== 0 || code > 14))
    throw new Error(`cfn-lint failed (${code}): ${stderr}`);
  return (JSON.parse(stdout || '[]') as Json[]).map((match) => {
    const template = String(match.Filename).split('/').pop()!;
    const [section = '', logicalId = ''] = match.Location.Path as string[];
    return {
      tool: 'cfn-lint',
      rule: match.Rule.Id,
      template,
      logicalId: section === 'Resources' ? logicalId : `${section}.${logicalId}`,
      type: section === 'Resources' ? typeOf(template, logicalId) : section,
      message: match.Message,
    };
  });
}

async function checkovFindings(): Promise<Finding[]> {
  const { stdout, stderr } = await run(checkov, [
    '--directory',
    join(dir, 'templates'),
    '--framework',
    'cloudformation',
    '--output',
    'json',
    '--quiet',
    '--compact',
    '--skip-download',
  ]);
  let report: Json;
  try {
    report = JSON.parse(stdout);
  } catch {
    throw new Error(`checkov did not report: ${stderr.slice(0, 2000)}`);
  }
  const reports = (Array.isArray(report) ? report : [report]).filter(
    (each) => each.check_type === 'cloudformation',
  );
  expect(reports.length, 'checkov read no CloudFormation template').toBe(1);
  expect(reports[0].summary.parsing_errors).toBe(0);
  return (reports[0].results.failed_checks as Json[]).map((check) => {
    const template = String(check.file_path).split('/').pop()!;
    const [type, logicalId] = String(check.resource).split(/\.(.*)/s) as [string, string];
    return { tool: 'checkov', rule: check.check_id, template, logicalId, type, message: check.check_name };
  });
}

const covers = (accepted: AcceptedFinding, finding: Finding) =>
  accepted.tool === finding.tool &&
  accepted.rule === finding.rule &&
  accepted.type === finding.type &&
  (accepted.logicalId === undefined || accepted.logicalId.test(finding.logicalId));

describe('CloudFormation linters on the synthesized templates', () => {
  it('cfn-lint and checkov find nothing that is not accepted with a reason, and every acceptance is still needed', async () => {
    for (const tool of [cfnLint, checkov]) {
      if (!existsSync(tool))
        throw new Error(
          `${tool} is missing: run \`npm run setup:python\` to build .venv/tools (cfn-lint, checkov)`,
        );
    }
    const findings = (await Promise.all([cfnLintFindings(), checkovFindings()])).flat();
    // Both tools looked at both templates: the default stack gets findings of its own (checkov on
    // its functions), so a tool that silently read nothing would show here.
    for (const tool of ['cfn-lint', 'checkov'] as const)
      for (const template of Object.keys(templates))
        expect(
          findings.some((f) => f.tool === tool && f.template === template),
          `${tool} on ${template}`,
        ).toBe(true);

    const unaccepted = findings
      .filter((finding) => !acceptedFindings.some((accepted) => covers(accepted, finding)))
      .map((f) => `${f.tool} ${f.rule} ${f.type} ${f.logicalId} (${f.template}): ${f.message}`);
    expect(unaccepted).toEqual([]);
    const unused = acceptedFindings
      .filter((accepted) => !findings.some((finding) => covers(accepted, finding)))
      .map((accepted) => `${accepted.tool} ${accepted.rule} ${accepted.type}`);
    expect(unused, 'accepted findings that no longer occur: remove them').toEqual([]);
    for (const accepted of acceptedFindings)
      expect(accepted.reason.length, accepted.rule).toBeGreaterThan(40);
  }, 240_000);
});
