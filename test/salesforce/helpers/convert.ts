// Source format → metadata API format, with the same library the Salesforce CLI deploys with.
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';

export type Conversion = { components: number; byType: Map<string, number>; packagePath?: string };

/** Resolves every component under packageDir and writes the metadata-format package to outputDirectory. */
export async function convertToMetadata(packageDir: string, outputDirectory: string): Promise<Conversion> {
  const set = ComponentSet.fromSource(packageDir);
  const byType = new Map<string, number>();
  for (const component of set.getSourceComponents()) {
    byType.set(component.type.name, (byType.get(component.type.name) ?? 0) + 1);
  }
  const result = await new MetadataConverter().convert(set, 'metadata', {
    type: 'directory',
    outputDirectory,
    packageName: 'slotwise',
    genUniqueDir: false,
  });
  return { components: set.size, byType, packagePath: result.packagePath };
}
