package contract

import (
	"encoding/json"
	"testing"
)

func TestNumericallyEqualValuesShareAnEnumKey(t *testing.T) {
	groups := [][]any{
		{json.Number("1"), json.Number("1.0"), json.Number("1e0"), json.Number("10e-1"), 1.0, 1, int64(1), uint8(1)},
		{json.Number("0"), json.Number("-0"), json.Number("0.0"), 0.0, 0},
		{json.Number("-2.5"), -2.5, json.Number("-25e-1")},
		{json.Number("9007199254740993")},
		{json.Number("9007199254740992"), 9007199254740992.0},
		{"1"},
		{true},
	}
	for i, group := range groups {
		for _, v := range group {
			if got, want := valueKey(v), valueKey(group[0]); got != want {
				t.Errorf("valueKey(%#v) = %q, want %q like %#v", v, got, want, group[0])
			}
			if !valuesEqual(v, group[0]) {
				t.Errorf("valuesEqual(%#v, %#v) = false", v, group[0])
			}
			for j, other := range groups {
				if j != i && valueKey(v) == valueKey(other[0]) {
					t.Errorf("valueKey(%#v) equals the key of %#v", v, other[0])
				}
			}
		}
	}
}
