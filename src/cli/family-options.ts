/**
 * The flags a command takes from the model families (families/): every family's options merged by name, without
 * defaults (each family applies its own), described with which families read them and their defaults. A flag
 * given for a family that does not read it is refused by name.
 */
import { SidrecError } from '../core/errors.js';
import type { OptionSpec, OptionSpecs } from '../core/option-spec.js';
import { FAMILIES } from '../families/index.js';
import type { Flags, ModelFamily } from '../families/index.js';

type Pick = (family: ModelFamily) => OptionSpecs;

/** The union of the families' options (from `pick`), each described with its families and their defaults. */
export function mergedFamilyOptions(pick: Pick): OptionSpecs {
  const byName = new Map<string, { spec: OptionSpec; uses: [string, OptionSpec][] }>();
  for (const [kind, family] of Object.entries(FAMILIES)) {
    for (const [name, spec] of Object.entries(pick(family))) {
      const seen = byName.get(name);
      if (seen && seen.spec.type !== spec.type) throw new Error(`family option --${name}: ${kind} declares ${spec.type}, another ${seen.spec.type}`);
      if (seen) seen.uses.push([kind, spec]);
      else byName.set(name, { spec, uses: [[kind, spec]] });
    }
  }
  const all = Object.keys(FAMILIES).length;
  const merged: Record<string, OptionSpec> = {};
  for (const [name, { spec, uses }] of byName) {
    const kinds = uses.map(([kind]) => kind);
    const defaults = uses.filter(([, s]) => s.default !== undefined).map(([kind, s]) => `${String(s.default)} ${kind}`);
    const distinct = new Set(uses.map(([, s]) => String(s.default)));
    const where = uses.length === all ? '' : `${kinds.join(', ')}: `;
    const dflt =
      defaults.length === 0
        ? ''
        : distinct.size === 1 && uses.length === all
          ? `; default: ${String(uses[0][1].default)}`
          : `; default: ${defaults.join(', ')}`;
    const { default: _dropped, ...rest } = spec;
    const choices = uses.flatMap(([, s]) => (s.type === 'string' && s.choices ? s.choices : []));
    const description =
      uses.length > 1 && new Set(uses.map(([, s]) => s.description)).size > 1
        ? uses.map(([k, s]) => `${k}: ${s.description}`).join('; ')
        : `${where}${spec.description}`;
    merged[name] = {
      ...rest,
      ...(choices.length > 0 ? { choices: [...new Set(choices)] } : {}),
      description: `${description}${dflt ? ` (${dflt.slice(2)})` : ''}`,
    } as OptionSpec;
  }
  return merged;
}

/** The values of `family`'s options among `given`; a value for an option the family does not read is refused. */
export function flagsFor(family: ModelFamily, pick: Pick, given: Readonly<Record<string, unknown>>, flag = 'model'): Flags {
  const own = pick(family);
  const others = mergedFamilyOptions(pick);
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const name of Object.keys(others)) {
    const value = given[name] as string | number | boolean | undefined;
    if (value === undefined) continue;
    if (!(name in own)) {
      const readers = Object.entries(FAMILIES)
        .filter(([, f]) => name in pick(f))
        .map(([kind]) => kind);
      throw new SidrecError('E_CONFIG', `--${name} is not an option of --${flag} ${family.kind} (it is for ${readers.join(', ')})`, { field: name });
    }
    out[name] = value;
  }
  return out;
}
