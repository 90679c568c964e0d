import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { closest } from 'fastest-levenshtein';
import type { LoadedVersion } from '../../pipeline/artifacts/reader.js';
import { UnsafeManifestError, versionDir, versionFile } from '../../pipeline/artifacts/store.js';
import { EDA_FILES } from '../../pipeline/eda/paths.js';
import type { EdaSummary } from '../../pipeline/eda/summary-types.js';
import type { Manifest } from '../../pipeline/types.js';
import { failedPrecondition, invalidArgument, notFound } from '../errors.js';
import type { CatalogExtension } from '../state.js';

/** A version's EDA output, as read from its dir. */
export interface LoadedReport {
  version: string;
  dir: string;
  reportPath: string;
  reportRelativePath: string;
  summaryPath: string;
  summaryRelativePath: string;
  summary: EdaSummary;
  /** summary.json exactly as the eda stage wrote it */
  summaryJson: string;
}

/** The version's EDA output, or why it cannot be had (messages name the version, never server paths). */
async function readReport(dir: string, version: string, manifest: Manifest | null): Promise<LoadedReport | string> {
  // manifest.files says where the eda stage put its files; fall back to the standard names
  const reportRelativePath = manifest?.files?.edaReport ?? EDA_FILES.report;
  const summaryRelativePath = manifest?.files?.edaSummary ?? EDA_FILES.summary;
  let summaryPath: string;
  let reportPath: string;
  try {
    summaryPath = versionFile(dir, summaryRelativePath, 'edaSummary');
    reportPath = versionFile(dir, reportRelativePath, 'edaReport');
  } catch (err) {
    if (err instanceof UnsafeManifestError) return `version ${version} is refused: its ${err.message}`;
    throw err;
  }
  const missing = [summaryRelativePath, reportRelativePath].filter((rel, i) => !existsSync([summaryPath, reportPath][i]));
  if (missing.length > 0) {
    return `version ${version} has no EDA report (${missing.join(' and ')} missing in its directory); it was built without the eda stage: rebuild it with \`npm run pipeline -- --inline\``;
  }
  const summaryJson = await readFile(summaryPath, 'utf8');
  let summary: EdaSummary;
  try {
    summary = JSON.parse(summaryJson) as EdaSummary;
  } catch {
    return `the EDA summary of version ${version} (${summaryRelativePath}) is not valid JSON; re-run the eda stage`;
  }
  if (!isSummary(summary)) return `the EDA summary of version ${version} (${summaryRelativePath}) is not an EDA summary; re-run the eda stage`;
  return {
    version,
    dir,
    reportPath,
    reportRelativePath,
    summaryPath,
    summaryRelativePath,
    summary,
    summaryJson,
  };
}

/** The parts reportSummaryMessage reads, present with the right shapes (a foreign JSON file is not one). */
function isSummary(s: unknown): s is EdaSummary {
  const o = s as Partial<EdaSummary> | null;
  return (
    typeof o === 'object' && o !== null &&
    typeof o.catalog === 'object' && o.catalog !== null && typeof o.catalog.movies === 'number' &&
    typeof o.genres === 'object' && o.genres !== null && Array.isArray(o.genres.top) &&
    Array.isArray(o.releasesPerYear) && typeof o.runtime === 'object' && o.runtime !== null && Array.isArray(o.runtime.bins) &&
    typeof o.quality === 'object' && o.quality !== null
  );
}

/**
 * Catalog extension: the serving version's EDA summary, read once per version before the swap.
 * A version without one loads fine (the catalog RPCs do not need it); the extension's value is
 * then the reason, and GetReportSummary answers FAILED_PRECONDITION with it.
 */
export const reportExtension: CatalogExtension<LoadedReport | string> = {
  name: 'eda-report',
  load: (loaded: LoadedVersion) => readReport(loaded.dir, loaded.version, loaded.manifest),
};

// The characters a version name may have (the store's names are <timestamp>-<run>); no path parts.
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z_.-]{0,99}$/;

/** A version asked for by name: validated, found on disk, with its EDA output. */
export async function loadReportOf(artifactsDir: string, version: string): Promise<LoadedReport> {
  if (!VERSION_RE.test(version) || version.includes('..')) {
    throw invalidArgument(
      `version ${JSON.stringify(version.slice(0, 100))} is not a version name: give a directory name of the artifacts dir such as 20261121T081500123Z-1a2b3c4d, or nothing for the version being served`,
      { reason: 'BAD_VERSION' },
    );
  }
  const dir = versionDir(artifactsDir, version);
  if (!existsSync(dir)) {
    const known = existsSync(artifactsDir)
      ? (await readdir(artifactsDir, { withFileTypes: true }))
          .filter((e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort()
          .reverse()
      : [];
    const nearest = known.length ? closest(version, known) : undefined;
    const suggestions = nearest ? [nearest, ...known.filter((k) => k !== nearest)].slice(0, 5) : [];
    throw notFound(`no artifact version ${version} in MARQUEE_ARTIFACTS_DIR`, suggestions, 'VERSION_NOT_FOUND');
  }
  const manifestPath = path.join(dir, 'manifest.json');
  const manifest = existsSync(manifestPath) ? (JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest) : null;
  const r = await readReport(dir, version, manifest);
  if (typeof r === 'string') throw failedPrecondition(r, 'NO_EDA_REPORT');
  return r;
}
