"""Printable documents as PDF (fpdf2), with a real CJK font embedded and subset."""
