; Function definitions, wherever they stand (top level or inside #ifdef blocks).
(function_definition) @definition.function
