// Where the EDA stage writes inside a version dir (relative paths, as in manifest.files).
export const EDA_FILES = {
  dir: 'eda',
  report: 'eda/report.html',
  summary: 'eda/summary.json',
} as const;

/** manifest.files roles for the EDA outputs */
export const EDA_FILE_ROLES = { edaReport: EDA_FILES.report, edaSummary: EDA_FILES.summary } as const;
