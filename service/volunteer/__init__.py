"""The volunteer page's domain: event links, answer cards, the offline pack, QR codes and stand gaps."""
