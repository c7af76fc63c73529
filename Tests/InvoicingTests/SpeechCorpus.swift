/// Invoice requests as people say them, with what each must yield. One line each:
/// `category | utterance | client | items | terms`, items as `description*quantity*unit price*currency` joined by `;`
/// (currency `-` when none was said), terms as `due=14`, `date=end of month`, `tax=8`, `disc=10`, space-separated.
/// Written as people speak (fillers, corrections, idioms, every order), not as the parser reads; the test also derives
/// a speech recogniser's version of each (lower case, no punctuation, numbers as words or digits).
enum SpeechCorpus {
    static let lines = """
        plain | Bill Acme for twelve hours of design at 85 dollars, due in two weeks | Acme | design*12*85*USD | due=14
        plain | Invoice Globex for three logos at $200 each | Globex | logos*3*200*USD |
        plain | Charge Initech for 10 hours of consulting at €120 per hour | Initech | consulting*10*120*EUR |
        plain | Bill Umbrella Corp for two hours of support at 60 pounds | Umbrella Corp | support*2*60*GBP |
        plain | Bill Hooli for 8 hours of development at 150 dollars plus 10% tax | Hooli | development*8*150*USD | tax=10
        plain | Invoice Vandelay Industries for 20 hours of import consulting at 75 dollars, net 30 | Vandelay Industries | import consulting*20*75*USD | due=30
        plain | Bill Cyberdyne for 6 hours of code review at $140 an hour | Cyberdyne | code review*6*140*USD |
        plain | Invoice Soylent for 4 days of training at 900 dollars a day | Soylent | training*4*900*USD |
        plain | Bill Gringotts for one photo shoot at 650 pounds | Gringotts | photo shoot*1*650*GBP |
        plain | Charge Tyrell for 15 hours of copywriting at 45 dollars, due next Friday | Tyrell | copywriting*15*45*USD | date=next friday
        plain | Bill Massive Dynamic for 2 weeks of consulting at 3,000 dollars per week | Massive Dynamic | consulting*2*3000*USD |
        plain | Invoice Wonka Industries for 30 hours of recipe testing at 55 dollars with a 5% discount | Wonka Industries | recipe testing*30*55*USD | disc=5
        plain | Bill Aperture Science for 12 portal inspections at 250 dollars each, due end of month | Aperture Science | portal inspections*12*250*USD | date=end of month
        plain | Invoice Oceanic Airlines for 3 hours of translation at 70 euros | Oceanic Airlines | translation*3*70*EUR |
        plain | Bill Duff Beer for ten hours of marketing at 95 dollars plus 8.25% sales tax | Duff Beer | marketing*10*95*USD | tax=8.25
        plain | Charge Krusty Krab for five hours of menu design at 40 dollars | Krusty Krab | menu design*5*40*USD |
        plain | Invoice Monsters Inc. for 7 hours of scream analysis at 120 dollars | Monsters Inc. | scream analysis*7*120*USD |
        plain | Bill Sterling Cooper for a brand strategy at 5,000 dollars | Sterling Cooper | brand strategy*1*5000*USD |
        plain | Invoice Acme GmbH for 16 hours of engineering at 110 euros, due in 30 days | Acme GmbH | engineering*16*110*EUR | due=30
        plain | Bill Los Pollos Hermanos for 25 hours of bookkeeping at 50 dollars | Los Pollos Hermanos | bookkeeping*25*50*USD |
        fillers | Um, so, bill Acme Corp for, uh, twelve hours of design work at eighty-five bucks an hour | Acme Corp | design*12*85*USD |
        fillers | Uh, okay, invoice Globex for, um, three hours of consulting at 150 dollars | Globex | consulting*3*150*USD |
        fillers | So, like, bill Initech for, you know, 40 hours of development at 90 dollars | Initech | development*40*90*USD |
        fillers | Hmm, let's see, charge Hooli for, uh, two days of training at, um, 800 dollars a day | Hooli | training*2*800*USD |
        fillers | Okay so um invoice Stark Industries for uh five hours of welding at 60 dollars | Stark Industries | welding*5*60*USD |
        fillers | Er, bill, uh, Wayne Enterprises for, um, ten hours of security consulting at 200 dollars | Wayne Enterprises | security consulting*10*200*USD |
        fillers | Alright, so, uh, invoice Pied Piper for the the compression audit at fifteen hundred dollars | Pied Piper | compression audit*1*1500*USD |
        fillers | Hey um can you bill Dunder Mifflin for, like, 200 reams of paper at 5 dollars each | Dunder Mifflin | reams of paper*200*5*USD |
        fillers | Yeah so, bill Nakatomi for uh, um, three hours of, uh, security review at 175 dollars | Nakatomi | security review*3*175*USD |
        fillers | Well, uh, charge Oscorp for, um, eight hours of testing at 110 dollars, due in, uh, two weeks | Oscorp | testing*8*110*USD | due=14
        fillers | Um, uh, invoice Prestige Worldwide for, like, one day of event planning at 1,200 dollars | Prestige Worldwide | event planning*1*1200*USD |
        fillers | So um yeah bill Vance Refrigeration for six hours of repairs at uh 80 dollars an hour | Vance Refrigeration | repairs*6*80*USD |
        fillers | Uhh bill Bluth Company for, um, a banana stand redesign at, uh, 2,000 dollars | Bluth Company | banana stand redesign*1*2000*USD |
        fillers | Okay, um, so invoice Planet Express for, uh, 14 deliveries at 30 dollars each | Planet Express | deliveries*14*30*USD |
        fillers | Hmm, okay, bill Rich Industries for, you know, nine hours of audit work at 130 dollars | Rich Industries | audit work*9*130*USD |
        corrected | Bill Acme for design, sorry, I mean development, 10 hours at 95 dollars | Acme | development*10*95*USD |
        corrected | Bill Globex for 10 hours, actually 12 hours, of consulting at 100 dollars | Globex | consulting*12*100*USD |
        corrected | Invoice Initech for 5 hours of support at 80 dollars, sorry, 90 dollars | Initech | support*5*90*USD |
        corrected | Bill Hooli, no wait, bill Pied Piper for 3 hours of code review at 120 dollars | Pied Piper | code review*3*120*USD |
        corrected | Charge Stark Industries for eight hours, I mean nine hours, of welding at 70 dollars | Stark Industries | welding*9*70*USD |
        corrected | Invoice Wayne Enterprises for 4 days of training at 900, sorry, 950 dollars a day | Wayne Enterprises | training*4*950*USD |
        corrected | Bill Umbrella Corp for two logos, make that three logos, at 300 dollars each | Umbrella Corp | logos*3*300*USD |
        corrected | Bill Tyrell for testing, actually QA testing, 6 hours at 60 dollars | Tyrell | qa testing*6*60*USD |
        corrected | Invoice Soylent for 20 hours, sorry, 25 hours of research at 85 dollars | Soylent | research*25*85*USD |
        corrected | Bill Cyberdyne for 3 hours at 150 dollars, actually 175 dollars, for security consulting | Cyberdyne | security consulting*3*175*USD |
        corrected | Invoice Acme, I mean Acme Industries, for 2 hours of design at 90 dollars | Acme Industries | design*2*90*USD |
        corrected | Bill Oscorp for 7 hours of testing at 100 dollars, due in two weeks, no wait, due in three weeks | Oscorp | testing*7*100*USD | due=21
        corrected | Charge Globex for 12 hours, scratch that, 15 hours of consulting at 120 dollars | Globex | consulting*15*120*USD |
        corrected | Bill Initech for photography, sorry, videography, 2 days at 700 dollars a day | Initech | videography*2*700*USD |
        corrected | Invoice Hooli for 9 hours of design at 80 euros, I mean 80 pounds | Hooli | design*9*80*GBP |
        idioms | Charge Stark Industries twelve fifty for the domain renewal | Stark Industries | domain renewal*1*12.50*- |
        idioms | Invoice Wayne Enterprises for a website redesign, flat fee of 4,500 dollars | Wayne Enterprises | website redesign*1*4500*USD |
        idioms | Invoice Pied Piper fifteen hundred dollars for the compression audit | Pied Piper | compression audit*1*1500*USD |
        idioms | Bill Soylent for 3k of consulting | Soylent | consulting*1*3000*- |
        idioms | Bill Acme a grand for the logo | Acme | logo*1*1000*- |
        idioms | Charge Globex ninety-nine ninety-nine for the software license | Globex | software license*1*99.99*- |
        idioms | Bill Initech for two and a half hours of support at 80 dollars | Initech | support*2.5*80*USD |
        idioms | Invoice Hooli for a dozen stickers at 2 dollars each | Hooli | stickers*12*2*USD |
        idioms | Bill Umbrella Corp for half an hour of advice at 100 dollars an hour | Umbrella Corp | advice*0.5*100*USD |
        idioms | Bill Tyrell 2.5k for the app prototype | Tyrell | app prototype*1*2500*- |
        idioms | Charge Cyberdyne for the server setup, a flat rate of 800 dollars | Cyberdyne | server setup*1*800*USD |
        idioms | Invoice Massive Dynamic for one hundred and fifty dollars of printing | Massive Dynamic | printing*1*150*USD |
        idioms | Bill Oscorp for a couple of hours of consulting at 90 bucks an hour | Oscorp | consulting*2*90*USD |
        idioms | Charge Aperture Science for 10 test chambers at four ninety-nine each | Aperture Science | test chambers*10*4.99*- |
        idioms | Bill Duff Beer for the label artwork, two grand | Duff Beer | label artwork*1*2000*- |
        idioms | Invoice Krusty Krab 75 quid for the menu photos | Krusty Krab | menu photos*1*75*GBP |
        idioms | Bill Gringotts for the vault audit, twelve hundred pounds | Gringotts | vault audit*1*1200*GBP |
        ordering | Three logos for Globex at 200 dollars each, bill them | Globex | logos*3*200*USD |
        ordering | For Dunder Mifflin: 500 reams of paper at 4.99 each, plus 8 percent tax | Dunder Mifflin | reams of paper*500*4.99*- | tax=8
        ordering | Invoice to Globex: three logos, two hundred euros each | Globex | logos*3*200*EUR |
        ordering | Hey, can you make an invoice for Initech, 40 hrs consulting @ $120/hr, due end of month | Initech | consulting*40*120*USD | date=end of month
        ordering | Bill Acme 200 dollars each for 3 logos | Acme | logos*3*200*USD |
        ordering | Bill Hooli for consulting, 12 hours at 150 dollars | Hooli | consulting*12*150*USD |
        ordering | Invoice Soylent, the audit, fifteen hundred | Soylent | audit*1*1500*- |
        ordering | Bill Initech for design work, 85 an hour, 10 hours | Initech | design work*10*85*- |
        ordering | Send Cyberdyne a bill for 6 hours of testing at 70 dollars | Cyberdyne | testing*6*70*USD |
        ordering | Umbrella Corp owes me 500 dollars for the logo design | Umbrella Corp | logo design*1*500*USD |
        ordering | Charge Tyrell 300 dollars for the photo retouching | Tyrell | photo retouching*1*300*USD |
        ordering | Bill Stark Industries, 10 hours of welding at 65 dollars | Stark Industries | welding*10*65*USD |
        ordering | Bill Globex for 8 hours at 100 dollars for the data migration | Globex | data migration*8*100*USD |
        ordering | Make an invoice for Wayne Enterprises: 2 days of training at 1,000 dollars a day | Wayne Enterprises | training*2*1000*USD |
        ordering | Create an invoice for Oscorp, 5 hours of QA at 60 dollars per hour | Oscorp | qa*5*60*USD |
        ordering | I need to bill Hooli for 4 hours of design at 95 dollars | Hooli | design*4*95*USD |
        multi | Invoice to Globex: three logos, two hundred euros each, and, uh, one hour of revisions at ninety euros | Globex | logos*3*200*EUR; revisions*1*90*EUR |
        multi | Bill Acme for six hours at one hundred fifty pounds and a 50 pound travel fee | Acme | -*6*150*GBP; travel fee*1*50*GBP |
        multi | Bill Hooli for 10 hours of design at 80 dollars and 5 hours of development at 120 dollars | Hooli | design*10*80*USD; development*5*120*USD |
        multi | Invoice Initech for 3 logos at 200 dollars each, plus a business card design at 150 dollars | Initech | logos*3*200*USD; business card design*1*150*USD |
        multi | Bill Stark Industries for 8 hours of welding at 65 dollars, 2 hours of cleanup at 40 dollars, and materials for 300 dollars | Stark Industries | welding*8*65*USD; cleanup*2*40*USD; materials*1*300*USD |
        multi | Charge Globex for consulting, 12 hours at 150 dollars, also a 200 dollar setup fee | Globex | consulting*12*150*USD; setup fee*1*200*USD |
        multi | Bill Umbrella Corp for two days of training at 900 dollars a day plus travel of 250 dollars | Umbrella Corp | training*2*900*USD; travel*1*250*USD |
        multi | Invoice Wayne Enterprises for a website redesign at 4,000 dollars and hosting at 20 dollars a month for 12 months | Wayne Enterprises | website redesign*1*4000*USD; hosting*12*20*USD |
        multi | Bill Tyrell for 5 portraits at 100 dollars each and one frame at 40 dollars | Tyrell | portraits*5*100*USD; frame*1*40*USD |
        multi | Bill Cyberdyne for 3 hours of code review at 120 dollars and 2 hours of testing at 90 dollars, due in 10 days | Cyberdyne | code review*3*120*USD; testing*2*90*USD | due=10
        multi | Invoice Soylent for 20 hours of research at 85 dollars plus 10 hours of writing at 70 dollars plus 8% tax | Soylent | research*20*85*USD; writing*10*70*USD | tax=8
        multi | Bill Oscorp for 4 hours of design at 95 euros, and, um, 2 hours of meetings at 60 euros | Oscorp | design*4*95*EUR; meetings*2*60*EUR |
        client | Bill Johnson & Sons for 5 hours of carpentry at 60 dollars | Johnson & Sons | carpentry*5*60*USD |
        client | Invoice Müller GmbH for 10 hours of translation at 50 euros | Müller GmbH | translation*10*50*EUR |
        client | Bill Target for 3 hours of merchandising at 80 dollars | Target | merchandising*3*80*USD |
        client | Charge Apple for 2 hours of design at 200 dollars | Apple | design*2*200*USD |
        client | Bill Smith and Sons LLC for 4 hours of plumbing at 90 dollars | Smith and Sons LLC | plumbing*4*90*USD |
        client | Invoice Café Olé for 6 hours of barista training at 35 dollars | Café Olé | barista training*6*35*USD |
        client | Bill Blue Sky Consulting Partners for 8 hours of strategy at 150 dollars | Blue Sky Consulting Partners | strategy*8*150*USD |
        client | Bill Bank of America for 10 hours of auditing at 200 dollars | Bank of America | auditing*10*200*USD |
        client | Charge Sarah Connor for a self defense class at 120 dollars | Sarah Connor | self defense class*1*120*USD |
        client | Invoice O'Brien Ltd for 3 hours of legal review at 250 pounds | O'Brien Ltd | legal review*3*250*GBP |
        client | Bill Design Co. for 5 hours of illustration at 70 dollars | Design Co. | illustration*5*70*USD |
        client | Send Zoë Ångström a bill for a portrait at 400 euros | Zoë Ångström | portrait*1*400*EUR |
        client | Bill Hooli Inc. for 2 hours of support at 100 dollars | Hooli Inc. | support*2*100*USD |
        client | Invoice the Daily Planet for 3 articles at 500 dollars each | The Daily Planet | articles*3*500*USD |
        client | Bill Procter and Gamble for 12 hours of research at 140 dollars | Procter and Gamble | research*12*140*USD |
        client | Client is Globex, 4 hours of consulting at 150 dollars | Globex | consulting*4*150*USD |
        plain | Invoice Nakatomi Trading for 5 hours of translation at 65 dollars, due on January 15 | Nakatomi Trading | translation*5*65*USD | date=january 15
        plain | Bill Rekall for 3 memory implant consultations at 400 dollars each | Rekall | memory implant consultations*3*400*USD |
        plain | Charge Weyland Corp for 12 hours of terraforming research at 210 dollars, net 45 | Weyland Corp | terraforming research*12*210*USD | due=45
        plain | Invoice Buy n Large for 40 hours of logistics at 55 dollars plus 5% tax | Buy n Large | logistics*40*55*USD | tax=5
        plain | Bill Spacely Sprockets for 100 sprockets at 3.25 dollars each | Spacely Sprockets | sprockets*100*3.25*USD |
        plain | Invoice Virtucon for 2 days of workshops at 1,500 pounds a day | Virtucon | workshops*2*1500*GBP |
        plain | Bill Ghostbusters for 4 hours of equipment repair at 95 dollars, no tax | Ghostbusters | equipment repair*4*95*USD | tax=0
        plain | Charge Hanso Foundation for 6 hours of data analysis at 130 euros, due in 3 weeks | Hanso Foundation | data analysis*6*130*EUR | due=21
        fillers | Uh, invoice Rekall for, um, like, two memory audits at 300 dollars each | Rekall | memory audits*2*300*USD |
        fillers | So, um, charge Virtucon for, uh, uh, seven hours of evil consulting at 250 dollars | Virtucon | evil consulting*7*250*USD |
        fillers | Um, right, bill Ghostbusters for, er, three hours of, um, containment work at 120 dollars | Ghostbusters | containment work*3*120*USD |
        fillers | Okay, uh, bill Weyland Corp for, you know, 10 hours of research at 200 dollars, net 30 | Weyland Corp | research*10*200*USD | due=30
        fillers | Hmm, so invoice Spacely Sprockets for, um, 50 sprockets at, uh, 4 dollars each | Spacely Sprockets | sprockets*50*4*USD |
        corrected | Bill Rekall for 4 hours, sorry, 5 hours of consulting at 100 dollars | Rekall | consulting*5*100*USD |
        corrected | Invoice Virtucon for logo design, I mean brand design, 8 hours at 90 dollars | Virtucon | brand design*8*90*USD |
        corrected | Charge Ghostbusters for 3 traps at 200 dollars each, actually 250 dollars each | Ghostbusters | traps*3*250*USD |
        corrected | Bill Weyland Corp, sorry, Weyland Yutani for 6 hours of testing at 150 dollars | Weyland Yutani | testing*6*150*USD |
        corrected | Invoice Hanso Foundation for 9 hours, I mean 10 hours, of analysis at 80 euros | Hanso Foundation | analysis*10*80*EUR |
        idioms | Bill Rekall nineteen ninety-nine for the app subscription | Rekall | app subscription*1*19.99*- |
        idioms | Charge Virtucon three grand for the evil lair design | Virtucon | evil lair design*1*3000*- |
        idioms | Invoice Ghostbusters for four and a half hours of ghost removal at 100 dollars | Ghostbusters | ghost removal*4.5*100*USD |
        idioms | Bill Weyland Corp 1.5k for the safety audit | Weyland Corp | safety audit*1*1500*- |
        idioms | Charge Hanso Foundation a flat fee of two thousand five hundred dollars for the study | Hanso Foundation | study*1*2500*USD |
        idioms | Bill Spacely Sprockets for two dozen sprockets at 3 dollars each | Spacely Sprockets | sprockets*24*3*USD |
        ordering | Invoice Rekall, memory consultation, 400 dollars | Rekall | memory consultation*1*400*USD |
        ordering | Bill Virtucon 250 dollars an hour for 4 hours of consulting | Virtucon | consulting*4*250*USD |
        ordering | Send Ghostbusters an invoice for 2 hours of cleanup at 75 dollars | Ghostbusters | cleanup*2*75*USD |
        ordering | Weyland Corp owes me 1,200 dollars for the hull inspection | Weyland Corp | hull inspection*1*1200*USD |
        ordering | For Hanso Foundation: 3 reports at 500 dollars each | Hanso Foundation | reports*3*500*USD |
        ordering | Charge Spacely Sprockets for the gear redesign, 800 dollars, due in 2 weeks | Spacely Sprockets | gear redesign*1*800*USD | due=14
        multi | Bill Rekall for 2 hours of consulting at 100 dollars and 1 hour of travel at 50 dollars | Rekall | consulting*2*100*USD; travel*1*50*USD |
        multi | Invoice Virtucon for 3 days of training at 800 dollars a day, plus 2 manuals at 45 dollars each | Virtucon | training*3*800*USD; manuals*2*45*USD |
        multi | Charge Ghostbusters for 5 traps at 200 dollars each, and 2 hours of installation at 90 dollars | Ghostbusters | traps*5*200*USD; installation*2*90*USD |
        multi | Bill Weyland Corp for research at 5,000 dollars, also a 300 dollar report fee | Weyland Corp | research*1*5000*USD; report fee*1*300*USD |
        multi | Invoice Hanso Foundation for 4 hours of interviews at 60 euros and 6 hours of writing at 70 euros, due in 30 days | Hanso Foundation | interviews*4*60*EUR; writing*6*70*EUR | due=30
        client | Bill Wernham Hogg Paper Company for 2 hours of sales training at 150 pounds | Wernham Hogg Paper Company | sales training*2*150*GBP |
        client | Invoice Acme & Co for 3 hours of design at 80 dollars | Acme & Co | design*3*80*USD |
        client | Charge Ölmühle Schäfer GmbH for 5 hours of engineering at 100 euros | Ölmühle Schäfer GmbH | engineering*5*100*EUR |
        client | Bill Jane Doe for a wedding shoot at 1,800 dollars | Jane Doe | wedding shoot*1*1800*USD |
        client | Invoice Amazon for 10 hours of consulting at 200 dollars | Amazon | consulting*10*200*USD |
        client | Bill Harry's Hardware for 3 hours of inventory at 40 dollars | Harry's Hardware | inventory*3*40*USD |
        client | Invoice Dr. Smith for 2 hours of transcription at 30 dollars | Dr. Smith | transcription*2*30*USD |
        client | Charge Big Bang Theory Productions for 5 hours of script review at 110 dollars | Big Bang Theory Productions | script review*5*110*USD |
        """
}
