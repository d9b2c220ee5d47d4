import { report } from "/shared/tiffin.js"; report("page_load");
