import type { CheckResult } from '@backflow/protocol/connector';
import type { SheetsApi } from './sheets-api.js';

/**
 * Reads the spreadsheet's properties: proves the credentials are accepted (a token
 * endpoint refusal or a 401 is a ConfigError), the spreadsheet exists and is shared with the
 * caller. Writing access shows at the first write; a read-only share fails there with 403.
 */
export async function checkConnection(api: SheetsApi): Promise<CheckResult> {
  const info = await api.spreadsheet();
  return {
    ok: true,
    message: `spreadsheet "${info.title}" (${api.spreadsheetId}) readable; sheets: ${info.sheets.map((s) => s.title).join(', ') || 'none'}`,
  };
}
