import { contributes } from '../../package.json';

type Properties = typeof contributes.configuration.properties;

/** Every setting package.json contributes: the one list of them. */
export type SettingId = keyof Properties;

/** A setting's type, as its default in package.json has it. */
export type SettingValue<K extends SettingId> = Properties[K]['default'];

interface PropertySchema {
  type: string | readonly string[];
  default: unknown;
  minimum?: number;
  maximum?: number;
  enum?: readonly string[];
}

/** The contributed schema of each setting: type, default, range, allowed words. */
export const SETTING_SCHEMAS: Readonly<Record<SettingId, PropertySchema>> = contributes.configuration.properties;

export const SETTING_IDS = Object.keys(SETTING_SCHEMAS) as SettingId[];

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** "a whole number from 1 to 86400", "one of error, warning", "a boolean": what the schema allows. */
function allowed(schema: PropertySchema): string {
  if (schema.enum) return `one of ${schema.enum.join(', ')}`;
  const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
  if (types.length === 1 && (types[0] === 'number' || types[0] === 'integer')) {
    const what = types[0] === 'integer' ? 'a whole number' : 'a number';
    return schema.minimum !== undefined && schema.maximum !== undefined ? `${what} from ${schema.minimum} to ${schema.maximum}` : what;
  }
  return types.map((t) => (t === 'object' || t === 'array' || t === 'integer' ? `an ${t}` : `a ${t}`)).join(' or ');
}

/**
 * Checks a value against its setting's schema in package.json (type, range, enum): the value,
 * or a sentence for the user saying what the setting allows.
 */
export function checkSetting<K extends SettingId>(id: K, value: unknown): { value: SettingValue<K> } | { problem: string } {
  const schema = SETTING_SCHEMAS[id];
  const types = typeof schema.type === 'string' ? [schema.type] : schema.type;
  const inRange =
    typeof value !== 'number' ||
    ((schema.minimum === undefined || value >= schema.minimum) && (schema.maximum === undefined || value <= schema.maximum));
  const inEnum = !schema.enum || schema.enum.includes(value as string);
  if (types.some((t) => hasType(t, value)) && inRange && inEnum) return { value: value as SettingValue<K> };
  return { problem: `${id} must be ${allowed(schema)} (got ${JSON.stringify(value)})` };
}
