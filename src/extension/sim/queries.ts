// The questions the command prompts ask about the session's machine (which
// objects to offer, whether a typed value is in range, the event an answer
// makes), typed: each is the model function of src/extension/model/actions.ts
// run by the simulator on its machine (src/extension/sim/engine.ts QUERIES).

import type { Lab } from '../lab';
import type { AccessRequest, Checked, Choice, IoRequest, PoisonKind, PoisonRequest, TargetAnswer, TargetForm } from '../model/actions';
import type { RawEvent } from '../model/session';

export function machineQueries(lab: Lab) {
  return {
    objectsFor: (form: TargetForm) => lab.query<Choice[]>('objectsFor', form),
    removedObjects: (form: TargetForm) => lab.query<Choice[]>('removedObjects', form),
    valuePrompt: (form: TargetForm, object?: string | number) => lab.query<{ prompt: string; placeholder: string }>('valuePrompt', form, object),
    checkValue: (form: TargetForm, object: string | number | undefined, text: string, kind?: PoisonKind) => lab.query<Checked<number>>('checkValue', form, object, text, kind),
    checkLength: (kind: PoisonKind, target: TargetAnswer, text: string) => lab.query<Checked<number>>('checkLength', kind, target, text),
    defaultLength: (kind: PoisonKind, target: TargetAnswer) => lab.query<number>('defaultLength', kind, target),
    poisonEvent: (r: PoisonRequest) => lab.query<Checked<RawEvent>>('poisonEvent', r),
    accessEvent: (r: AccessRequest) => lab.query<Checked<RawEvent>>('accessEvent', r),
    ioEvent: (r: IoRequest) => lab.query<Checked<RawEvent>>('ioEvent', r),
    punchEvent: (r: { process: number; file: string; offset: number; length: number }) => lab.query<Checked<RawEvent>>('punchEvent', r),
    scrubEvent: (region?: string) => lab.query<Checked<RawEvent>>('scrubEvent', region),
    namespaceEvent: (kind: 'clear-errors' | 'unbind', ns: string) => lab.query<Checked<RawEvent>>('namespaceEvent', kind, ns),
  };
}
