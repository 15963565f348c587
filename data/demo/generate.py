#!/usr/bin/env python3
"""Writes the demo data set (the .jsonl files beside this script).

Each line is one command of the HTTP API: {"method", "path", "body"}.
`synergyd import` sends them through the same validation and deciders as
the API. The totals reproduce the figures published for each programme
(../../../shared/seed/published-figures.md); how they are split into
individual synergies is illustrative (see README.md).

Run it again after changing it: python3 data/demo/generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class Programme:
    def __init__(self, pid, name, region, department, zone, facilitator, started_on):
        self.pid = pid
        self.lines = []
        self.totals = {}
        body = {"id": pid, "name": name, "region": region, "department": department,
                "facilitator_org": facilitator, "started_on": started_on}
        if zone:
            body["zone"] = zone
        self.post("/v1/programmes", body)

    def post(self, path, body):
        self.lines.append({"method": "POST", "path": path, "body": body})

    def company(self, cid, name, employees=None):
        body = {"id": cid, "name": name}
        if employees is not None:
            body["employees"] = employees
        self.post(f"/v1/programmes/{self.pid}/companies", body)

    def diagnostic(self, cid, on, resources):
        self.post(f"/v1/programmes/{self.pid}/diagnostics",
                  {"company_id": cid, "performed_on": on, "resources": resources})

    def synergy(self, sid, title, kind, resource, participants, identified_on,
                ewc_code=None, description=None):
        body = {"id": sid, "title": title, "kind": kind, "resource": resource,
                "participants": [{"company_id": c, "role": r} for c, r in participants],
                "occurred_on": identified_on}
        if ewc_code:
            body["ewc_code"] = ewc_code
        if description:
            body["description"] = description
        self.post(f"/v1/programmes/{self.pid}/synergies", body)

    def study(self, sid, on, decision, estimated, technical):
        self.post(f"/v1/synergies/{sid}/study", {
            "occurred_on": on, "aspects": {"technical": technical},
            "decision": decision, "estimated": estimated})

    def operation(self, sid, on, note=None):
        body = {"occurred_on": on}
        if note:
            body["note"] = note
        self.post(f"/v1/synergies/{sid}/operation", body)

    def measure(self, sid, mid, period_from, period_to, values, method="invoiced",
                source=None, factor=None):
        body = {"id": mid, "period_from": period_from, "period_to": period_to,
                "values": values, "method": method}
        if source:
            body["source"] = source
        if factor:
            body["co2e_factor_source"] = factor
        self.post(f"/v1/synergies/{sid}/measurements", body)
        for k, v in values.items():
            self.totals[k] = self.totals.get(k, 0) + v

    def abandon(self, sid, on, reason_code, note=None):
        body = {"occurred_on": on, "reason_code": reason_code}
        if note:
            body["note"] = note
        self.post(f"/v1/synergies/{sid}/abandonment", body)

    def write(self, file_name):
        with open(os.path.join(HERE, file_name), "w", encoding="utf-8") as out:
            for line in self.lines:
                out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def measured_synergy(p, sid, title, kind, resource, participants, identified_on, operational_on,
                     estimated, periods, ewc_code=None, description=None, method="invoiced",
                     source=None, factor=None):
    """A synergy identified, studied (go), operational, then measured once
    per (from, to, values) of `periods`."""
    p.synergy(sid, title, kind, resource, participants, identified_on, ewc_code, description)
    p.study(sid, identified_on, "go", estimated, "étude de faisabilité menée avec les entreprises")
    p.operation(sid, operational_on)
    for n, (period_from, period_to, values) in enumerate(periods, start=1):
        p.measure(sid, f"m{n}", period_from, period_to, values, method, source, factor)


def split(total, weights):
    """Integers proportional to `weights` that add up to `total` exactly."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    parts[0] += total - sum(parts)
    return parts


# ---- ZIRI -------------------------------------------------------------------------
# 200 companies; the group purchase of electricity (27 companies, 50,000 EUR);
# in 2018, 98,000 EUR saved by 20 pooled actions and 7 group purchases, and
# 36 multi-flow diagnostics.
def ziri():
    p = Programme("ziri", "ZIRI – Zone d'Intégration des Réseaux Intelligents",
                  "Nouvelle-Aquitaine", "33", "Écoparc de Blanquefort", "Bordeaux Technowest",
                  "2016-01-01")
    companies = [f"ziri-e{n:03d}" for n in range(1, 201)]
    for n, c in enumerate(companies, start=1):
        p.company(c, f"Entreprise {n:03d} de l'Écoparc", employees=5 + (n * 7) % 120)
    for n in range(36):
        p.diagnostic(companies[(n * 5) % 200], f"2018-{1 + n % 12:02d}-{10 + n % 15:02d}",
                     ["energy", "water", "waste", "mobility"])
    year = ("2018-01-01", "2018-12-31")

    members = companies[:27]
    measured_synergy(p, "ziri-achat-electricite", "Achat groupé d'électricité", "mutualisation",
                     "energy", [(c, "member") for c in members], "2017-03-01", "2018-01-01",
                     {"savings_eur": 50000},
                     [(*year, {"savings_eur": 50000})],
                     description="27 entreprises, 17 % d'économies en moyenne")
    purchases = [("fournitures", "Achat groupé de fournitures de bureau", "raw_material"),
                 ("emballages", "Achat groupé d'emballages", "raw_material"),
                 ("epi", "Achat groupé d'équipements de protection", "equipment"),
                 ("maintenance", "Contrat de maintenance mutualisé", "service"),
                 ("extincteurs", "Vérification groupée des extincteurs", "service"),
                 ("telecom", "Achat groupé de services télécoms", "service")]
    actions = [("dechets-collecte", "Collecte mutualisée des déchets banals", "waste"),
               ("cartons", "Collecte mutualisée des cartons", "waste"),
               ("palettes", "Reprise mutualisée des palettes", "waste"),
               ("dib", "Tri mutualisé des déchets industriels banals", "waste"),
               ("d3e", "Collecte mutualisée des D3E", "waste"),
               ("pdie", "Plan de déplacement inter-entreprises", "mobility"),
               ("covoiturage", "Covoiturage inter-entreprises", "mobility"),
               ("navette", "Navette mutualisée vers la gare", "mobility"),
               ("gardiennage", "Gardiennage mutualisé", "service"),
               ("nettoyage", "Nettoyage mutualisé des locaux", "service"),
               ("restauration", "Restauration inter-entreprises", "service"),
               ("formation", "Formations sécurité mutualisées", "service"),
               ("salle", "Salle de réunion partagée", "infrastructure"),
               ("parking", "Parking partagé", "land"),
               ("engins", "Engins de manutention partagés", "equipment"),
               ("compacteur", "Compacteur partagé", "equipment"),
               ("eau-pluviale", "Récupération mutualisée des eaux pluviales", "water"),
               ("eclairage", "Éclairage mutualisé de la zone", "infrastructure"),
               ("chaleur", "Audit énergétique mutualisé", "service"),
               ("conciergerie", "Conciergerie d'entreprises", "service")]
    # 48,000 EUR beside the electricity: 16,500 by the other purchases,
    # 31,500 by the pooled actions.
    purchase_eur = split(16500, [8, 7, 6, 5, 4, 3])
    action_eur = split(31500, list(range(30, 10, -1)))
    for k, ((slug, title, resource), eur) in enumerate(zip(purchases + actions, purchase_eur + action_eur)):
        group = [companies[(27 + 3 * k + j) % 200] for j in range(2 + k % 4)]
        measured_synergy(p, f"ziri-{slug}", title, "mutualisation", resource,
                         [(c, "member") for c in group], "2017-06-01", "2018-01-01",
                         {"savings_eur": eur}, [(*year, {"savings_eur": eur})])
    assert p.totals["savings_eur"] == 98000
    p.write("01-ziri.jsonl")


# ---- BIOTOP -----------------------------------------------------------------------
# 158 companies, 72 material flows, 350 diagnostics; 486,000 EUR saved since
# 2014; over 700 t of waste recovered and 550 t CO2 avoided a year; Melting Pot.
def biotop():
    p = Programme("biotop", "BIOTOP, éco-réseau des entreprises de La Rochelle",
                  "Nouvelle-Aquitaine", "17", "Zone industrielle de Périgny",
                  "BIOTOP (association d'entreprises)", "2014-01-01")
    companies = [f"biotop-e{n:03d}" for n in range(1, 159)]
    for n, c in enumerate(companies, start=1):
        p.company(c, f"Entreprise {n:03d} de Périgny", employees=3 + (n * 11) % 90)
    for n in range(350):
        year = 2014 + n % 8
        p.diagnostic(companies[(n * 7) % 158], f"{year}-{1 + (n // 8) % 12:02d}-{1 + n % 28:02d}",
                     ["waste", "raw_material"] if n % 2 else ["waste"])
    years = range(2014, 2022)  # eight full years: 486,000 / 8 = 60,750 EUR a year
    measured = 24
    eur = split(60750, [24 - k for k in range(measured)])
    tonnes = split(720, [1 + k % 5 for k in range(measured)])
    co2e = split(550, [1 + k % 4 for k in range(measured)])
    for k in range(measured):
        provider, receiver = companies[(2 * k) % 158], companies[(2 * k + 1) % 158]
        if k == 0:
            sid, title, description, ewc = ("biotop-melting-pot",
                                            "Melting Pot : sacs à café en jute en tapis pré-végétalisés",
                                            "3 000 sacs à café en toile de jute valorisés en tapis "
                                            "horticoles pré-végétalisés", "150203")
        else:
            sid, title, description, ewc = (f"biotop-flux-{k:02d}", f"Flux de matière n° {k}",
                                            None, "150103")
        values = {"savings_eur": eur[k], "tonnes_recovered": tonnes[k], "co2e_avoided_t": co2e[k]}
        measured_synergy(p, sid, title, "substitution", "waste",
                         [(provider, "provider"), (receiver, "receiver")], "2013-11-15",
                         "2014-01-01", values,
                         [(f"{y}-01-01", f"{y}-12-31", values) for y in years],
                         ewc_code=ewc, description=description, method="declared",
                         factor="Base Empreinte")
    # The other 48 flows, at every other stage.
    for k in range(measured, 72):
        sid = f"biotop-flux-{k:02d}"
        provider, receiver = companies[(2 * k) % 158], companies[(2 * k + 1) % 158]
        p.synergy(sid, f"Flux de matière n° {k}", "substitution", "raw_material" if k % 3 else "waste",
                  [(provider, "provider"), (receiver, "receiver")], "2019-03-01")
        stage = k % 4
        if stage >= 1:
            p.study(sid, "2019-06-01", "no_go" if k % 8 == 1 else "go",
                    {"savings_eur": 1000 + 10 * k, "tonnes_recovered": 5}, "compatibilité des matières")
        if stage >= 2 and k % 8 != 1 and k % 8 != 5:
            p.operation(sid, "2020-01-15")
        if stage == 3:
            p.abandon(sid, "2021-05-01", "logistic", "flux trop irrégulier")
    assert p.totals["savings_eur"] == 486000
    p.write("02-biotop.jsonl")


# ---- PIICTO -----------------------------------------------------------------------
# Decarbonation sludge to reactive lime, 16,000 t a year; surplus demineralised
# water, 3,500 m3 a year between two industrials; local hydrochloric acid; in
# all 35.9 kt recovered or avoided and 4,800 t CO2 avoided a year.
def piicto():
    p = Programme("piicto", "PIICTO – Plateforme Industrielle et d'Innovation Caban-Tonkin",
                  "Provence-Alpes-Côte d'Azur", "13", "Caban-Tonkin, Fos-sur-Mer (1 200 ha)",
                  "Association PIICTO", "2014-01-01")
    companies = [f"piicto-i{n:02d}" for n in range(1, 11)]
    for n, c in enumerate(companies, start=1):
        p.company(c, f"Industriel {n:02d} de Caban-Tonkin", employees=80 + 40 * n)
    years = [("2021-01-01", "2021-12-31"), ("2022-01-01", "2022-12-31")]
    flows = [
        ("piicto-chaux", "Boues de décarbonatation en chaux réactive", "waste", "061101",
         {"tonnes_recovered": 16000, "co2e_avoided_t": 2600, "savings_eur": 480000}),
        ("piicto-eau-demineralisee", "Surplus d'eau déminéralisée", "water", None,
         {"water_m3": 3500, "savings_eur": 7000}),
        ("piicto-acide-chlorhydrique", "Fourniture locale d'acide chlorhydrique pour le décapage",
         "raw_material", None, {"tonnes_recovered": 2400, "co2e_avoided_t": 200, "savings_eur": 60000}),
        ("piicto-laitiers", "Laitiers en granulats routiers", "waste", "100202",
         {"tonnes_recovered": 9500, "co2e_avoided_t": 1150, "savings_eur": 190000}),
        ("piicto-gypse", "Gypse de synthèse en substitution de gypse naturel", "waste", "100105",
         {"tonnes_recovered": 8000, "co2e_avoided_t": 850, "savings_eur": 120000}),
    ]
    for k, (sid, title, resource, ewc, values) in enumerate(flows):
        measured_synergy(p, sid, title, "substitution", resource,
                         [(companies[2 * k], "provider"), (companies[2 * k + 1], "receiver")],
                         "2015-06-01", "2016-01-01", values,
                         [(a, b, values) for a, b in years], ewc_code=ewc, method="metered")
    per_year = {k: v / len(years) for k, v in p.totals.items()}
    assert per_year["tonnes_recovered"] == 35900 and per_year["co2e_avoided_t"] == 4800
    p.write("03-piicto.jsonl")


# ---- GPSEA ------------------------------------------------------------------------
# 7 synergies made real: 35.5 t recovered, 5 t CO2e avoided, 49,000 litres of
# water and 31,000 EUR saved; parquet offcuts go to an eco-designed furniture maker.
def gpsea():
    p = Programme("gpsea", "EIT de Grand Paris Sud Est Avenir", "Île-de-France", "94", None,
                  "Grand Paris Sud Est Avenir", "2019-01-01")
    companies = [f"gpsea-e{n:02d}" for n in range(1, 15)]
    for n, c in enumerate(companies, start=1):
        p.company(c, f"Entreprise {n:02d} du territoire", employees=10 + 3 * n)
    synergies = [
        ("gpsea-parquet", "Chutes de parquet pour un fabricant de mobilier écoconçu", "substitution",
         "waste", {"tonnes_recovered": 12, "co2e_avoided_t": 1.5, "savings_eur": 9000}),
        ("gpsea-palettes", "Palettes réemployées", "substitution", "waste",
         {"tonnes_recovered": 8.5, "co2e_avoided_t": 1.25, "savings_eur": 6000}),
        ("gpsea-cartons", "Cartons réemployés comme calage", "substitution", "waste",
         {"tonnes_recovered": 6, "co2e_avoided_t": 1, "savings_eur": 5000}),
        ("gpsea-biodechets", "Biodéchets compostés", "substitution", "waste",
         {"tonnes_recovered": 4, "co2e_avoided_t": 0.5, "savings_eur": 4000}),
        ("gpsea-textiles", "Textiles professionnels réemployés", "substitution", "waste",
         {"tonnes_recovered": 3, "co2e_avoided_t": 0.25, "savings_eur": 3000}),
        ("gpsea-metaux", "Chutes métalliques revalorisées", "substitution", "waste",
         {"tonnes_recovered": 2, "co2e_avoided_t": 0.25, "savings_eur": 2500}),
        ("gpsea-eau", "Mutualisation d'une station de lavage", "mutualisation", "water",
         {"water_m3": 49, "co2e_avoided_t": 0.25, "savings_eur": 1500}),
    ]
    for k, (sid, title, kind, resource, values) in enumerate(synergies):
        roles = ("provider", "receiver") if kind == "substitution" else ("member", "member")
        measured_synergy(p, sid, title, kind, resource,
                         [(companies[2 * k], roles[0]), (companies[2 * k + 1], roles[1])],
                         "2020-03-01", "2021-01-01", values,
                         [("2021-01-01", "2021-12-31", values)], method="calculated",
                         factor="Base Empreinte v23")
    assert p.totals == {"tonnes_recovered": 35.5, "co2e_avoided_t": 5, "savings_eur": 31000,
                        "water_m3": 49}
    p.write("04-gpsea.jsonl")


# ---- La Drècherie / Brewsticks ----------------------------------------------------
# Brewers' spent grain into crackers; treatment avoided costs 150 to 300 EUR a tonne.
def drecherie():
    p = Programme("drecherie", "La Drècherie, symbiose micro-industrielle", "Île-de-France", "75",
                  None, "La Drècherie", "2018-01-01")
    p.company("drecherie-brasserie", "Brasserie artisanale partenaire")
    p.company("brewsticks", "Brewsticks")
    sid = "drecherie-brewsticks"
    p.synergy(sid, "Drèche de brasserie en biscuits apéritifs", "substitution", "waste",
              [("drecherie-brasserie", "provider"), ("brewsticks", "receiver")], "2018-03-01",
              ewc_code="020799",
              description="le traitement évité coûte de 150 à 300 euros la tonne")
    p.study(sid, "2018-06-01", "go", {"tonnes_recovered": 10, "savings_eur": 1500},
            "séchage de la drèche avant transformation")
    p.operation(sid, "2018-09-01")
    p.write("05-drecherie.jsonl")


# ---- COP'O ------------------------------------------------------------------------
# Cardboard waste into compostable animal litter: 1 t a month.
def copo():
    p = Programme("copo", "COP'O, litière compostable", "Île-de-France", "78", "Les Mureaux",
                  "COP'O", "2021-01-01")
    p.company("copo", "COP'O")
    p.company("copo-commerces", "Commerces des Mureaux (gisements de cartons)")
    measured_synergy(p, "copo-cartons-litiere", "Cartons en litière animale compostable",
                     "substitution", "waste", [("copo-commerces", "provider"), ("copo", "receiver")],
                     "2021-01-15", "2022-01-01", {"tonnes_recovered": 12},
                     [("2022-01-01", "2022-12-31", {"tonnes_recovered": 12})], ewc_code="150101",
                     method="metered")
    p.write("06-copo.jsonl")


if __name__ == "__main__":
    ziri()
    biotop()
    piicto()
    gpsea()
    drecherie()
    copo()
