"""The payments room's codes named in Kazakh, Russian and English (``osms.core.i18n.label``)."""

from __future__ import annotations

from osms.core.i18n import N_

#: How a form of care is paid (``payments.rulebook.METHODS``).
METHOD_LABELS = {
    "per_capita": N_("Per attached person"),
    "per_service": N_("Per service"),
    "per_case": N_("Per treated case"),
    "per_call": N_("Per ambulance call"),
}

#: The correction coefficients of the per-capita rate (``payments.rulebook.CORRECTION_FACTORS``).
CORRECTION_LABELS = {
    "density": N_("Population density coefficient"),
    "rural": N_("Rural allowance coefficient"),
    "heating": N_("Heating season coefficient"),
    "ecology": N_("Ecological zone coefficient"),
}

LABELS = {"payment_method": METHOD_LABELS, "correction_factor": CORRECTION_LABELS}

# --- acts ------------------------------------------------------------------------------------
#: A line of the monthly run (``payments.models.LINE_METHODS``): the methods, the ambulance's two.
LINE_METHOD_LABELS = {
    **METHOD_LABELS,
    "ambulance_per_capita": N_("Ambulance, per attached person"),
    "ambulance_per_call": N_("Per ambulance call"),
}
LABELS["payment_line"] = LINE_METHOD_LABELS
