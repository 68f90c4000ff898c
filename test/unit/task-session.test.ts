import fc from 'fast-check';
import {
  sessionTagValue,
  taskSessionTags,
  TaskSessionTagInvalid,
} from '../../lambdas/domain/governance/task-session';

/** What STS accepts in a session tag value. */
const STS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

describe('sessionTagValue', () => {
  it('keeps ids made of tag-safe characters as they are', () => {
    expect(sessionTagValue('WH-NYC', 'warehouseId')).toBe('WH-NYC');
    expect(sessionTagValue('us-east_1.a:b/c+d@e', 'region')).toBe('us-east_1.a:b/c+d@e');
  });

  it('encodes `#`, `=`, spaces and non-ASCII characters as =XX per UTF-8 byte', () => {
    expect(sessionTagValue('warehouse#WH-NYC#2026-11-20T10:35:00Z', 'correlationId')).toBe(
      'warehouse=23WH-NYC=232026-11-20T10:35:00Z',
    );
    expect(sessionTagValue('a=b c*d?é', 'x')).toBe('a=3Db=20c=2Ad=3F=C3=A9');
  });

  it('gives every value a distinct encoding that STS accepts and that has no `#`, `*` or `?`', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (a, b) => {
          const [ea, eb] = [sessionTagValue(a, 'a'), sessionTagValue(b, 'b')];
          expect(STS_TAG_VALUE.test(ea)).toBe(true);
          expect(/[#*?]/.test(ea)).toBe(false);
          expect(ea === eb).toBe(a === b);
        },
      ),
    );
  });

  it('refuses an empty value, naming the field', () => {
    expect(() => sessionTagValue('', 'parameters.warehouseId')).toThrow(
      new TaskSessionTagInvalid('parameters.warehouseId', 'is empty'),
    );
  });

  it('refuses a value whose encoding exceeds what STS allows, naming the field', () => {
    const error = (() => {
      try {
        sessionTagValue('#'.repeat(100), 'correlationId');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TaskSessionTagInvalid);
    expect(error).toMatchObject({
      field: 'correlationId',
      message: expect.stringContaining('300 characters'),
    });
    // STS's limit: 256 characters.
    expect(sessionTagValue('a'.repeat(256), 'x')).toHaveLength(256);
  });
});

describe('taskSessionTags', () => {
  const C = 'warehouse#WH-NYC#2026-11-20T10:35:00Z';

  it('tags the agent, incident and task always, and the entities the task names', () => {
    expect(
      taskSessionTags('fulfillment-agent', {
        correlationId: C,
        taskId: `plan#${C}#task-3`,
        warehouse: { value: 'WH-NYC', field: 'parameters.fromWarehouseId' },
        journal: { value: `reroute#${C}`, field: 'idempotencyKey' },
      }),
    ).toEqual({
      agent: 'fulfillment-agent',
      incident: 'warehouse=23WH-NYC=232026-11-20T10:35:00Z',
      task: 'plan=23warehouse=23WH-NYC=232026-11-20T10:35:00Z=23task-3',
      warehouse: 'WH-NYC',
      journal: 'reroute=23warehouse=23WH-NYC=232026-11-20T10:35:00Z',
    });
    expect(taskSessionTags('operations-agent', { correlationId: C, taskId: 't' })).toEqual({
      agent: 'operations-agent',
      incident: 'warehouse=23WH-NYC=232026-11-20T10:35:00Z',
      task: 't',
    });
  });

  it('names the command field whose value cannot be a tag', () => {
    expect(() =>
      taskSessionTags('operations-agent', {
        correlationId: C,
        taskId: 't',
        region: { value: '', field: 'parameters.region' },
      }),
    ).toThrow(expect.objectContaining({ name: 'TaskSessionTagInvalid', field: 'parameters.region' }));
  });
});
