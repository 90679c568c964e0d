// The thread that reads the similar lists' input (lists-input.ts); its features' buffers move to the index stage's thread.
import { helperMain } from '../runtime/helper-thread.js';
import { columnBuffers, readListsInput, type ListsInput, type ListsInputTask } from './lists-input.js';

await helperMain<ListsInputTask, ListsInput>(readListsInput, (r) => (r.columns ? columnBuffers(r.columns) : []));
