// marquee.v1.ReportService: the EDA report of a catalog version (numbers + where the HTML is).
import { failedPrecondition } from '../errors.js';
import { unary } from '../handlers.js';
import type { ServiceModule } from '../modules.js';
import { loadReportOf, reportExtension, type LoadedReport } from './load.js';
import { reportSummaryMessage } from './messages.js';

interface GetReportSummaryRequest {
  version: string;
  omitJson: boolean;
}

export const reportModule: ServiceModule = {
  protoFiles: ['marquee/v1/report.proto'],
  serviceName: 'marquee.v1.ReportService',
  extensions: [reportExtension],
  implementation: ({ holder, config }) => ({
    GetReportSummary: unary(async (req: GetReportSummaryRequest) => {
      const asked = (req.version ?? '').trim();
      // the state is read once: a swap during the call does not mix two versions
      const state = asked === '' ? holder.get() : holder.peek(); // get(): UNAVAILABLE before the first load
      if (state && (asked === '' || asked === state.version)) {
        const r = state.ext.get(reportExtension.name) as LoadedReport | string | undefined;
        if (r === undefined || typeof r === 'string') {
          throw failedPrecondition(r ?? `version ${state.version} has no EDA report`, 'NO_EDA_REPORT');
        }
        return reportSummaryMessage(r, true, req.omitJson);
      }
      return reportSummaryMessage(await loadReportOf(config.artifactsDir, asked), false, req.omitJson);
    }),
  }),
};
