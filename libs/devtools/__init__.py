"""The developers' tools: generated code, the contract's and the chart's checks, the
import contracts."""
