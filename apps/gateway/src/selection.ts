import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from "graphql";

/**
 * The fields selection sets ask for (a field's `info.fieldNodes`' sets, or those under a field this returned), by
 * name (aliases and repeats merged), with their nodes: fragment spreads and inline fragments are followed, and
 * `@include`/`@skip` are not evaluated (a field they may leave out counts as asked for), so the answer is what the
 * selection may ask for at most.
 */
export function fieldsSelected(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode | undefined) => {
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const nodes = fields.get(selection.name.value) ?? [];
        nodes.push(selection);
        fields.set(selection.name.value, nodes);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walk(fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const selectionSet of selectionSets) walk(selectionSet);
  return fields;
}

/** Whether a selection asks for no field but those named, at most (see {@link fieldsSelected}). */
export function selectsOnly(
  fields: ReadonlyMap<string, readonly FieldNode[]>,
  allowed: ReadonlySet<string>,
): boolean {
  for (const name of fields.keys()) if (!allowed.has(name)) return false;
  return true;
}
