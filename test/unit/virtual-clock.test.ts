import fc from 'fast-check';
import { VirtualClock } from '../../local/clock';

describe('VirtualClock', () => {
  it('fires due timers in (time, insertion) order and never moves backward', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 1000 }), cancel: fc.boolean() }), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 0, max: 1200 }), { minLength: 1, maxLength: 5 }),
        (timers, stops) => {
          const clock = new VirtualClock(0);
          const fired: number[] = [];
          timers.forEach(({ at, cancel }, index) => {
            const timer = clock.setTimer(at, () => fired.push(index));
            if (cancel) timer.cancel();
          });
          let now = 0;
          for (const stop of stops) now = Math.max(now, clock.advanceTo(stop));
          const expected = timers
            .map((t, index) => ({ ...t, index }))
            .filter((t) => !t.cancel && t.at <= now)
            .sort((a, b) => a.at - b.at || a.index - b.index)
            .map((t) => t.index);
          expect(fired).toEqual(expected);
          expect(clock.now()).toBe(Math.max(0, ...stops));
        },
      ),
    );
  });

  it('reports the next pending timer, skipping cancelled ones', () => {
    const clock = new VirtualClock(0);
    clock.setTimer(50, () => undefined).cancel();
    clock.setTimer(70, () => undefined);
    expect(clock.nextTimerAt()).toBe(70);
  });

  it('lets a timer schedule another one that fires in the same advance when due', () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(10, () => {
      fired.push('a');
      clock.setTimer(20, () => fired.push('b'));
    });
    clock.advanceTo(30);
    expect(fired).toEqual(['a', 'b']);
  });
});
