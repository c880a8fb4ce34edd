import { createHash } from 'node:crypto';

/**
 * A small, realistic workspace for the dashboard's end-to-end tests (and for looking at it by
 * hand): an image-classification sweep whose runs differ in learning rate, batch size and
 * optimizer, with loss and accuracy curves that look like training, plus an empty experiment.
 */

export type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export interface SeededRun {
  id: string;
  name: string;
  lr: number;
  finalAccuracy: number;
}

export interface SeededWorkspace {
  sweep: { id: string; name: string; runs: SeededRun[] };
  baseline: { id: string; name: string };
  empty: { id: string; name: string };
  /** Two versions registered from the sweep's first two runs; `@champion` points at v1. */
  model: { name: string };
  dataset: { name: string };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Uploads small files the way clients do (presigned PUTs of what the workspace lacks). */
async function upload(call: Call, files: Record<string, string>) {
  const entries = Object.entries(files).map(([path, text]) => {
    const bytes = new TextEncoder().encode(text);
    return { path, bytes, sha256: sha256(bytes), size: bytes.length };
  });
  const plan = await ok(call, 'POST', '/api/v1/uploads', {
    blobs: entries.map(({ sha256, size }) => ({ sha256, size })),
  });
  for (const blob of plan.blobs) {
    if (blob.status !== 'put') continue;
    const entry = entries.find((one) => one.sha256 === blob.sha256)!;
    const put = await fetch(blob.request.url, {
      method: 'PUT',
      headers: blob.request.headers,
      body: entry.bytes,
    });
    if (!put.ok) throw new Error(`upload of ${entry.path} failed: ${put.status}`);
  }
  return entries.map(({ path, sha256, size }) => ({ path, sha256, size }));
}

async function ok(call: Call, method: string, path: string, body?: unknown) {
  const answer = await call(method, path, body);
  if (answer.status >= 300)
    throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** A deterministic pseudo-random sequence, so screenshots are stable from run to run. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export async function seedWorkspace(
  call: Call,
  options: { runs?: number; steps?: number } = {},
): Promise<SeededWorkspace> {
  const runCount = options.runs ?? 12;
  const steps = options.steps ?? 300;
  const sweep = (
    await ok(call, 'POST', '/api/v1/experiments', {
      name: 'resnet50-imagenet-sweep',
      description: 'Learning-rate and batch-size sweep on ImageNet-1k',
      tags: { team: 'vision' },
    })
  ).experiment;
  const baseline = (await ok(call, 'POST', '/api/v1/experiments', { name: 'baseline-logreg' })).experiment;
  const empty = (await ok(call, 'POST', '/api/v1/experiments', { name: 'bert-finetune' })).experiment;

  const lrs = [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003];
  const optimizers = ['sgd', 'adamw'];
  const statuses = [
    'FINISHED',
    'FINISHED',
    'FINISHED',
    'FAILED',
    'FINISHED',
    'RUNNING',
    'KILLED',
    'FINISHED',
  ];
  const runs: SeededRun[] = [];
  const start = Date.UTC(2026, 10, 20, 9, 0, 0);
  for (let i = 0; i < runCount; i++) {
    const lr = lrs[i % lrs.length]!;
    const batch = [64, 128, 256][i % 3]!;
    const optimizer = optimizers[i % 2]!;
    const name = `${optimizer}-lr${lr}-bs${batch}`;
    const startTime = start + i * 47 * 60_000;
    const run = (
      await ok(call, 'POST', '/api/v1/runs', {
        experimentId: sweep.id,
        name,
        startTime,
        params: { lr, batch_size: batch, optimizer, epochs: 90, dropout: i % 4 === 0 ? 0.2 : 0.1 },
        tags: { 'git.commit': `a1b2c3${i}`, dataset: 'imagenet-1k' },
      })
    ).run;
    const next = random(i + 1);
    // Good learning rates converge lower; the noise keeps the curves honest.
    const quality = 1 - Math.abs(Math.log10(lr) + 2.3) / 2.5;
    const floor = 0.25 + (1 - quality) * 0.9;
    let accuracy = 0;
    for (let offset = 0; offset < steps; offset += 250) {
      const metrics = [];
      for (let step = offset; step < Math.min(steps, offset + 250); step++) {
        const progress = step / steps;
        const loss = floor + 2.2 * Math.exp(-progress * (3 + quality * 4)) + (next() - 0.5) * 0.08;
        accuracy = Math.min(
          0.99,
          (0.55 + quality * 0.25) * (1 - Math.exp(-progress * 5)) + (next() - 0.5) * 0.02,
        );
        const timestamp = startTime + step * 9_000;
        metrics.push(
          { key: 'train/loss', value: loss, step, timestamp },
          { key: 'val/accuracy', value: accuracy, step, timestamp },
        );
        if (step % 10 === 0)
          metrics.push({ key: 'lr', value: lr * 0.5 * (1 + Math.cos(Math.PI * progress)), step, timestamp });
      }
      await ok(call, 'POST', `/api/v1/runs/${run.id}/log`, { metrics });
    }
    const status = statuses[i % statuses.length]!;
    if (status !== 'RUNNING') {
      await ok(call, 'PATCH', `/api/v1/runs/${run.id}`, { status, endTime: startTime + steps * 9_000 });
    }
    runs.push({ id: run.id, name, lr, finalAccuracy: accuracy });
  }
  await ok(call, 'POST', `/api/v1/runs/${runs[0]!.id}/log`, {
    tags: [{ key: 'mlflow.note.content', value: 'Baseline of the sweep: cosine schedule, no warmup.' }],
  });

  const logreg = (
    await ok(call, 'POST', '/api/v1/runs', {
      experimentId: baseline.id,
      name: 'logreg-l2',
      params: { C: 1.0, penalty: 'l2' },
    })
  ).run;
  await ok(call, 'POST', `/api/v1/runs/${logreg.id}/log`, {
    metrics: [{ key: 'accuracy', value: 0.71, step: 0 }],
  });
  await ok(call, 'PATCH', `/api/v1/runs/${logreg.id}`, { status: 'FINISHED' });

  // Data versioning: two versions of a small image dataset, the second adding and changing files.
  const dataset = 'imagenet-mini';
  const v1Files = {
    'train/labels.csv': 'id,label\n1,cat\n2,dog\n',
    'train/images.txt': 'img1.jpg\nimg2.jpg\n',
    'README.md': '# imagenet-mini\n',
  };
  const v2Files = {
    ...v1Files,
    'train/labels.csv': 'id,label\n1,cat\n2,dog\n3,bird\n',
    'val/labels.csv': 'id,label\n9,cat\n',
  };
  await ok(call, 'POST', `/api/v1/datasets/${dataset}/versions`, {
    files: await upload(call, v1Files),
    message: 'First cut: two classes',
    description: 'A thousandth of ImageNet, for quick experiments',
  });
  await ok(call, 'POST', `/api/v1/datasets/${dataset}/versions`, {
    files: await upload(call, v2Files),
    message: 'Add birds and a validation split',
  });

  // Registry: the first two runs log a model and declare the dataset version they trained on.
  const model = 'resnet50-classifier';
  await ok(call, 'POST', '/api/v1/models', {
    name: model,
    description: 'Image classifier for the product catalogue',
  });
  for (const [index, run] of runs.slice(0, 2).entries()) {
    const files = await upload(call, {
      'model/MLmodel': `flavors:\n  pytorch: {}\nrun_id: ${run.id}\n`,
      'model/model.pt': `weights of ${run.name}`,
      'model/requirements.txt': 'torch==2.5\n',
      'plots/confusion.txt': `confusion matrix of ${run.name}`,
    });
    await ok(call, 'POST', `/api/v1/runs/${run.id}/artifacts`, { files });
    await ok(call, 'POST', `/api/v1/runs/${run.id}/inputs`, {
      dataset,
      version: index + 1,
      context: 'training',
    });
    await ok(call, 'POST', `/api/v1/models/${model}/versions`, { runId: run.id, artifactPath: 'model' });
  }
  await ok(call, 'PUT', `/api/v1/models/${model}/aliases/champion`, { version: 1 });

  return {
    model: { name: model },
    dataset: { name: dataset },
    sweep: { id: sweep.id, name: sweep.name, runs },
    baseline: { id: baseline.id, name: baseline.name },
    empty: { id: empty.id, name: empty.name },
  };
}
