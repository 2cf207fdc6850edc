import { ModelError } from '../core/errors.js';

/**
 * Orders models so that each comes after the models it references. A cycle is an error that
 * names every model on it, in order, such as `a -> b -> a`.
 */
export function orderModels(dependencies: Map<string, string[]>): string[] {
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  const visit = (model: string, path: string[]): void => {
    const seen = state.get(model);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(model)), model];
      throw new ModelError(model, `Models reference each other in a cycle: ${cycle.join(' -> ')}; remove one of these refs`);
    }
    state.set(model, 'visiting');
    for (const upstream of dependencies.get(model) ?? []) visit(upstream, [...path, model]);
    state.set(model, 'done');
    ordered.push(model);
  };

  for (const model of [...dependencies.keys()].sort()) visit(model, []);
  return ordered;
}

/** Returns the given models and every model they depend on, directly or not. */
export function upstreamClosure(models: Iterable<string>, dependencies: Map<string, string[]>): Set<string> {
  const closure = new Set<string>();
  const pending = [...models];
  while (pending.length > 0) {
    const model = pending.pop()!;
    if (closure.has(model)) continue;
    closure.add(model);
    pending.push(...(dependencies.get(model) ?? []));
  }
  return closure;
}
