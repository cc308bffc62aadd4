package imagecontract

import "errors"

// Errors callers branch on. Every error Load returns for one of these cases wraps the sentinel
// and names the image, the path and, where there is one, the layer.
var (
	// ErrContractNotFound means no layer of the image has the contract file.
	ErrContractNotFound = errors.New("no contract in the image")
	// ErrContractTooLarge means the contract file is larger than the loader's size cap.
	ErrContractTooLarge = errors.New("contract is larger than the size cap")
	// ErrContractWhiteout means an upper layer deleted the contract a lower layer had.
	ErrContractWhiteout = errors.New("contract deleted by a whiteout")
	// ErrInvalidContract means the file was found but contract.Parse refused it; the parse
	// error is wrapped too.
	ErrInvalidContract = errors.New("invalid contract")
)
