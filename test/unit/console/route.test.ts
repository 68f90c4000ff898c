import { traceRequested } from '../../../console/src/route';

describe('traceRequested (the console’s trace view route)', () => {
  it('reads the percent-encoded correlation id of /traces/<id>', () => {
    expect(traceRequested('/traces/warehouse%23WH-ATL%232026-11-20T10%3A35%3A00Z')).toBe(
      'warehouse#WH-ATL#2026-11-20T10:35:00Z',
    );
    expect(traceRequested('/traces/abc/')).toBe('abc');
  });

  it('is no trace for the console itself, a bare /traces/, a deeper path or a broken encoding', () => {
    expect(traceRequested('/')).toBeUndefined();
    expect(traceRequested('/traces/')).toBeUndefined();
    expect(traceRequested('/traces/a/b')).toBeUndefined();
    expect(traceRequested('/traces/%E0%A4%A')).toBeUndefined();
  });
});
