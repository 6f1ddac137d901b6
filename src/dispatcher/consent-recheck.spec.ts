import { ConsentRecheck, type RecheckItem } from './consent-recheck';

describe('ConsentRecheck: the last look before a send, batched', () => {
  function fakeRepository(refused: string[], delayMs = 5) {
    const calls: RecheckItem[][] = [];
    return {
      calls,
      notSendable: async (items: readonly RecheckItem[]) => {
        calls.push([...items]);
        await new Promise((r) => setTimeout(r, delayMs));
        return new Set(items.map((i) => i.contactId).filter((id) => refused.includes(id)));
      },
    };
  }

  it('answers each asker, refusing those the database says may no longer be sent', async () => {
    const repo = fakeRepository(['2']);
    const recheck = new ConsentRecheck(repo, 2);
    const answers = await Promise.all(['1', '2', '3'].map((contactId) => recheck.allows({ contactId, marketing: true })));
    expect(answers).toEqual([true, false, true]);
    // Asked together: one query.
    expect(repo.calls).toHaveLength(1);
    expect(repo.calls[0].map((i) => i.contactId)).toEqual(['1', '2', '3']);
  });

  it('batches what is asked while a query runs into the next query, not one query each', async () => {
    const repo = fakeRepository([], 20);
    const recheck = new ConsentRecheck(repo, 1);
    const first = recheck.allows({ contactId: '1', marketing: false });
    await new Promise((r) => setTimeout(r, 5));
    const more = ['2', '3', '4'].map((contactId) => recheck.allows({ contactId, marketing: false }));
    await Promise.all([first, ...more]);
    expect(repo.calls.map((c) => c.length)).toEqual([1, 3]);
  });

  it('rejects every asker of a batch the database could not answer (the lane then sends nothing)', async () => {
    const recheck = new ConsentRecheck({ notSendable: () => Promise.reject(new Error('connection lost')) }, 1);
    await expect(recheck.allows({ contactId: '1', marketing: true })).rejects.toThrow('connection lost');
    // The next batch is asked again.
    const ok = new ConsentRecheck(fakeRepository([]), 1);
    await expect(ok.allows({ contactId: '1', marketing: true })).resolves.toBe(true);
  });

  it('looks earlier when the database answers slowly, so that the send keeps its slot (15 ms to 250 ms before it)', async () => {
    const recheck = new ConsentRecheck(fakeRepository([], 40), 1);
    expect(recheck.leadMs()).toBe(15);
    for (let i = 0; i < 10; i++) await recheck.allows({ contactId: String(i), marketing: true });
    expect(recheck.leadMs()).toBeGreaterThanOrEqual(60);
    expect(recheck.leadMs()).toBeLessThanOrEqual(250);
  });
});
