"""Field-service models, one module per part: appointments (the booked visit window), visits (what the
technician did on site) and campaigns (area-wide proactive visits). Each module's classes are re-exported here."""

from kefu.fieldservice.models.appointments import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    MissedReason,
)
from kefu.fieldservice.models.campaigns import Campaign, CampaignHousehold, CampaignVisit, HouseholdStatus
from kefu.fieldservice.models.shifts import TechnicianShift
from kefu.fieldservice.models.visits import FieldAction, FieldActionKind, Visit, VisitOutcome, VisitState

__all__ = ["Appointment", "AppointmentSource", "AppointmentStatus", "MissedReason"]
__all__ += ["FieldAction", "FieldActionKind", "Visit", "VisitOutcome", "VisitState"]

__all__ += ["TechnicianShift"]
__all__ += ["Campaign", "CampaignHousehold", "CampaignVisit", "HouseholdStatus"]
