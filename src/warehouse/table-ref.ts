/** A table in the warehouse. `schema` may be omitted for the connection's default schema. */
export interface TableRef {
  schema?: string;
  name: string;
}

export function tableRef(schema: string | undefined, name: string): TableRef {
  return schema === undefined ? { name } : { schema, name };
}

export function describeTable(ref: TableRef): string {
  return ref.schema ? `${ref.schema}.${ref.name}` : ref.name;
}
