; Calls that the IOPF/SVA model may bind. Capture names are dotted: the mapping table turns
; each @call.* capture into a model operation (iopf.report, lock.acquire, rcu.assign, ...).

; foo(...): direct calls, including kernel primitives and the IOPF/SVA API.
(call_expression
  function: (identifier) @call.name) @call.direct

; ops->page_response(dev, evt, &resp), domain->iopf_handler(group): calls through a field.
(call_expression
  function: (field_expression
    field: (field_identifier) @call.field)) @call.indirect

; guard(mutex)(&fault_param->lock): a lock held until the end of the enclosing scope.
(call_expression
  function: (call_expression
    function: (identifier) @lock.guard
    arguments: (argument_list . (identifier) @lock.class))
  (#eq? @lock.guard "guard")) @lock.scope

; rcu_assign_pointer(param->fault_param, fault_param): publication of an RCU-protected pointer.
(call_expression
  function: (identifier) @rcu.publish
  (#eq? @rcu.publish "rcu_assign_pointer")
  arguments: (argument_list . (_) @rcu.target)) @rcu.assign

; rcu_dereference(param->fault_param) and its _check/_protected variants: RCU-protected reads.
(call_expression
  function: (identifier) @rcu.read
  (#match? @rcu.read "^rcu_dereference")
  arguments: (argument_list . (_) @rcu.source)) @rcu.deref
