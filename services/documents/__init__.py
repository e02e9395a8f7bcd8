"""The documents service: official documents drafted, signed, numbered and exchanged
between agencies (Decree 30/2020 on clerical work; edXML, QCVN 102:2016)."""
