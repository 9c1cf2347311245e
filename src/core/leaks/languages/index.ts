import type { LanguageRules } from '../types';
import { javascriptRules } from './javascript';
import { pythonRules } from './python';

/**
 * Every language module. Add a module here when it lands; a language without one is parsed but
 * reports nothing.
 */
export const LANGUAGE_RULES: readonly LanguageRules[] = [javascriptRules, pythonRules];
