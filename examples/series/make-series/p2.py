# Edits of patch 2 of the fixture series (see make-series.sh).
from edit import sub
c = 'drivers/iommu/io-pgfault.c'
sub(c, """		report_partial_fault(fault_param, fault);
		/* A request that is not the last does not need to be ack'd */
	}
""", """		report_partial_fault(fault_param, fault);
		/* A request that is not the last does not need to be ack'd */
		mutex_unlock(&param->lock);
		return;
	}
""")
