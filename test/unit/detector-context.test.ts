import { detectorConfigFromContext } from '../../bin/detector-context';

describe('the detectorConfig context', () => {
  it('takes JSON from the command line or an object from cdk.json, and nothing when absent', () => {
    expect(detectorConfigFromContext('{"maxPValue":1e-9}')).toEqual({ maxPValue: 1e-9 });
    expect(detectorConfigFromContext({ windowMinutes: 10 })).toEqual({ windowMinutes: 10 });
    expect(detectorConfigFromContext(undefined)).toBeUndefined();
  });

  it('fails the synth naming what is wrong', () => {
    expect(() => detectorConfigFromContext('{maxPValue:1}')).toThrow(
      '-c detectorConfig: not JSON: {maxPValue:1}',
    );
    expect(() => detectorConfigFromContext('{"maxPvalue":1e-9}')).toThrow(
      'invalid detector config maxPvalue=1e-9: expected no such setting',
    );
    expect(() => detectorConfigFromContext({ windowMinutes: 7 })).toThrow(/windowMinutes=7/);
  });
});
