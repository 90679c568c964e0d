// Prometheus text read by the reference parser: the official Python client's
// (prometheus_client.parser, Debian's python3-prometheus-client, which .ci/run installs). The npm
// parsers checked (parse-prometheus-text-format) merge labelled histograms into one series.
import { spawnSync } from 'node:child_process';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: string;
  samples: Sample[];
}

const PYTHON = process.env.MARQUEE_TEST_PYTHON ?? '/usr/bin/python3';
const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.read())]
print(json.dumps(out))
`;

/** Parses exposition text; throws with the parser's message when it is not valid. */
export function parsePrometheus(text: string): Family[] {
  const r = spawnSync(PYTHON, ['-c', SCRIPT], { input: text, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw new Error(`cannot run ${PYTHON} (apt-get install python3-prometheus-client): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`not valid Prometheus text: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout) as Family[];
}

/** The value of the sample `name` (a family's sample name, e.g. x_total, x_count) with these labels. */
export function sampleValue(families: Family[], name: string, labels: Record<string, string>): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  return undefined;
}

export function family(families: Family[], name: string): Family | undefined {
  return families.find((f) => f.name === name);
}
